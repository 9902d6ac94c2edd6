//! The headshot crop: any phone photo, shown in a frame of the printed ratio
//! (230:288), moved by drag and zoomed by pinch, wheel or slider, then drawn at
//! exactly 230×288 and encoded as JPEG under 200 KB in the browser (SPEC §1 3b).
//!
//! [`Crop`] is the geometry alone (unit-tested); the browser half draws with a 2D
//! canvas and uploads with `XMLHttpRequest` for its progress events.

/// The printed size of the headshot.
pub const OUT_W: f64 = 230.0;
pub const OUT_H: f64 = 288.0;
/// The most the browser sends (the server checks again).
pub const MAX_BYTES: f64 = 200.0 * 1024.0;
/// The most a zoom can enlarge the base crop.
const ZOOM_LIMIT: f64 = 4.0;

/// Which part of the source image becomes the headshot: a 230:288 rectangle, as large
/// as fits at zoom 1, centred on (`cx`, `cy`) in source pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Crop {
    pub iw: f64,
    pub ih: f64,
    pub zoom: f64,
    pub cx: f64,
    pub cy: f64,
}

impl Crop {
    /// The centred, unzoomed crop of an `iw`×`ih` image; `None` when the image is too
    /// small to give 230×288 without enlarging.
    pub fn new(iw: f64, ih: f64) -> Option<Self> {
        let c = Self {
            iw,
            ih,
            zoom: 1.0,
            cx: iw / 2.0,
            cy: ih / 2.0,
        };
        let (bw, bh) = c.base();
        (bw + 0.5 >= OUT_W && bh + 0.5 >= OUT_H).then_some(c)
    }

    /// The largest 230:288 rectangle inside the image.
    fn base(&self) -> (f64, f64) {
        let ratio = OUT_W / OUT_H;
        if self.iw / self.ih > ratio {
            (self.ih * ratio, self.ih)
        } else {
            (self.iw, self.iw / ratio)
        }
    }

    /// The highest zoom that still leaves at least 230×288 source pixels.
    pub fn max_zoom(&self) -> f64 {
        (self.base().0 / OUT_W).clamp(1.0, ZOOM_LIMIT)
    }

    /// The source rectangle (x, y, width, height).
    pub fn rect(&self) -> (f64, f64, f64, f64) {
        let (bw, bh) = self.base();
        let (w, h) = (bw / self.zoom, bh / self.zoom);
        (self.cx - w / 2.0, self.cy - h / 2.0, w, h)
    }

    fn clamp(&mut self) {
        self.zoom = self.zoom.clamp(1.0, self.max_zoom());
        let (_, _, w, h) = self.rect();
        self.cx = self.cx.clamp(w / 2.0, self.iw - w / 2.0);
        self.cy = self.cy.clamp(h / 2.0, self.ih - h / 2.0);
    }

    pub fn set_zoom(&mut self, zoom: f64) {
        self.zoom = zoom;
        self.clamp();
    }

    /// Moves the picture by (`dx`, `dy`) pixels of a frame `frame_w` pixels wide (the
    /// picture follows the finger, so the crop moves the other way).
    pub fn pan(&mut self, dx: f64, dy: f64, frame_w: f64) {
        let (_, _, w, _) = self.rect();
        let scale = frame_w / w;
        self.cx -= dx / scale;
        self.cy -= dy / scale;
        self.clamp();
    }
}

#[cfg(feature = "csr")]
pub mod browser {
    //! Drawing, encoding and uploading in the browser.
    use super::{Crop, MAX_BYTES, OUT_H, OUT_W};
    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::*;
    use web_sys::{Blob, CanvasRenderingContext2d, File, HtmlCanvasElement, HtmlImageElement};

    /// Decodes the chosen file. Errors are the codes the page explains:
    /// `photo_type`, `photo_unreadable`, `photo_small`.
    pub async fn load(file: &File) -> Result<(HtmlImageElement, Crop, String), &'static str> {
        let kind = file.type_();
        if kind != "image/jpeg" && kind != "image/png" {
            return Err("photo_type");
        }
        let url =
            web_sys::Url::create_object_url_with_blob(file).map_err(|_| "photo_unreadable")?;
        let img = HtmlImageElement::new().map_err(|_| "photo_unreadable")?;
        img.set_src(&url);
        if wasm_bindgen_futures::JsFuture::from(img.decode())
            .await
            .is_err()
        {
            let _ = web_sys::Url::revoke_object_url(&url);
            return Err("photo_unreadable");
        }
        let crop = Crop::new(
            f64::from(img.natural_width()),
            f64::from(img.natural_height()),
        )
        .ok_or("photo_small")?;
        Ok((img, crop, url))
    }

    /// Draws the crop over the whole canvas.
    pub fn draw(canvas: &HtmlCanvasElement, img: &HtmlImageElement, crop: &Crop) {
        let Some(ctx) = canvas
            .get_context("2d")
            .ok()
            .flatten()
            .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok())
        else {
            return;
        };
        let (w, h) = (f64::from(canvas.width()), f64::from(canvas.height()));
        ctx.set_fill_style_str("#fff");
        ctx.fill_rect(0.0, 0.0, w, h);
        ctx.set_image_smoothing_enabled(true);
        let (sx, sy, sw, sh) = crop.rect();
        let _ = ctx.draw_image_with_html_image_element_and_sw_and_sh_and_dx_and_dy_and_dw_and_dh(
            img, sx, sy, sw, sh, 0.0, 0.0, w, h,
        );
    }

    async fn to_jpeg(canvas: &HtmlCanvasElement, quality: f64) -> Option<Blob> {
        let canvas = canvas.clone();
        let promise = js_sys::Promise::new(&mut |resolve, _reject| {
            let done = Closure::once_into_js(move |blob: JsValue| {
                let _ = resolve.call1(&JsValue::NULL, &blob);
            });
            let _ = canvas.to_blob_with_type_and_encoder_options(
                done.unchecked_ref(),
                "image/jpeg",
                &JsValue::from_f64(quality),
            );
        });
        wasm_bindgen_futures::JsFuture::from(promise)
            .await
            .ok()?
            .dyn_into::<Blob>()
            .ok()
    }

    /// Draws the crop at exactly 230×288 and encodes it as JPEG under 200 KB.
    pub async fn encode(img: &HtmlImageElement, crop: &Crop) -> Option<Blob> {
        let canvas = web_sys::window()?
            .document()?
            .create_element("canvas")
            .ok()?
            .dyn_into::<HtmlCanvasElement>()
            .ok()?;
        canvas.set_width(OUT_W as u32);
        canvas.set_height(OUT_H as u32);
        draw(&canvas, img, crop);
        for quality in [0.9, 0.8, 0.65, 0.5] {
            if let Some(blob) = to_jpeg(&canvas, quality).await
                && blob.size() <= MAX_BYTES
            {
                return Some(blob);
            }
        }
        None
    }

    /// Uploads the headshot; `progress` gets 0–100. Resolves to the HTTP status and
    /// the response text (0 when the request failed on the way).
    pub async fn upload(blob: &Blob, progress: impl Fn(u32) + 'static) -> (u16, String) {
        let Ok(xhr) = web_sys::XmlHttpRequest::new() else {
            return (0, String::new());
        };
        if xhr
            .open_with_async("POST", "/api/apply/photo", true)
            .is_err()
        {
            return (0, String::new());
        }
        let _ = xhr.set_request_header("Content-Type", "image/jpeg");
        if let Ok(upload) = xhr.upload() {
            let on_progress =
                Closure::<dyn Fn(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
                    if e.length_computable() && e.total() > 0.0 {
                        progress((e.loaded() / e.total() * 100.0).round() as u32);
                    }
                });
            upload.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
            on_progress.forget();
        }
        let request = xhr.clone();
        let promise = js_sys::Promise::new(&mut |resolve, _reject| {
            let done = Closure::once_into_js(move || {
                let _ = resolve.call0(&JsValue::NULL);
            });
            request.set_onloadend(Some(done.unchecked_ref()));
        });
        if xhr.send_with_opt_blob(Some(blob)).is_err() {
            return (0, String::new());
        }
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
        let status = xhr.status().unwrap_or(0);
        let text = xhr.response_text().ok().flatten().unwrap_or_default();
        (status, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    #[test]
    fn a_landscape_phone_photo_gets_the_tallest_centred_frame() {
        let c = Crop::new(4000.0, 3000.0).expect("big enough");
        let (x, y, w, h) = c.rect();
        assert!(close(h, 3000.0));
        assert!(close(w, 3000.0 * 230.0 / 288.0));
        assert!(close(x + w / 2.0, 2000.0) && close(y, 0.0));
        assert!(close(c.max_zoom(), 4.0));
    }

    #[test]
    fn panning_and_zooming_never_leave_the_picture() {
        let mut c = Crop::new(4000.0, 3000.0).expect("big enough");
        c.pan(10_000.0, 10_000.0, 230.0);
        let (x, y, w, h) = c.rect();
        assert!(close(x, 0.0) && close(y, 0.0));
        c.set_zoom(2.0);
        c.pan(-10_000.0, -10_000.0, 230.0);
        let (x2, y2, w2, h2) = c.rect();
        assert!(close(w2, w / 2.0) && close(h2, h / 2.0));
        assert!(close(x2 + w2, 4000.0) && close(y2 + h2, 3000.0));
        c.set_zoom(100.0);
        assert!(close(c.zoom, 4.0));
    }

    #[test]
    fn small_pictures_are_refused_and_zoom_stops_at_the_printed_size() {
        assert!(Crop::new(200.0, 300.0).is_none());
        assert!(Crop::new(460.0, 250.0).is_none());
        let c = Crop::new(460.0, 576.0).expect("twice the size");
        assert!(close(c.max_zoom(), 2.0));
        assert!(Crop::new(230.0, 288.0).is_some());
    }
}
