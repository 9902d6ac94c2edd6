//! The headshot photo («大頭照») on a student-card replacement (SPEC §1 3b, §7 "Photo uploads").
//!
//! The card prints a 230×288 px PNG or JPEG of at most 200 KB. The parent's browser crops,
//! scales and re-encodes the photo to exactly that size, but the server trusts none of it: it
//! re-checks the size, sniffs the type from the content, reads the header before decoding (so
//! an "image bomb" is refused without allocating), decodes under limits, insists on the card
//! size, and re-encodes as a plain baseline JPEG that carries no metadata (no EXIF/GPS, no ICC
//! profile, no comments). The file is stored under a name the server chooses, first in a
//! temporary folder, and moved into place only once the application is in the database.

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageError, ImageFormat, ImageReader, Limits, RgbImage};
use sha2::{Digest, Sha256};

/// Width of the printed headshot, in pixels.
pub const HEADSHOT_WIDTH: u32 = 230;
/// Height of the printed headshot, in pixels.
pub const HEADSHOT_HEIGHT: u32 = 288;
/// Largest photo a parent may upload (and largest file we store): 200 KB.
pub const MAX_UPLOAD_BYTES: usize = 200 * 1024;

/// No side of an uploaded photo may exceed this before we even try to decode it.
const MAX_DECODE_SIDE: u32 = 4096;
/// Most memory the decoder may claim for one photo.
const MAX_DECODE_ALLOC: u64 = 64 * 1024 * 1024;
/// JPEG qualities tried in turn until the stored file fits under [`MAX_UPLOAD_BYTES`].
const QUALITIES: [u8; 5] = [85, 75, 65, 50, 35];

const JPEG_MAGIC: &[u8] = &[0xFF, 0xD8, 0xFF];
const JPEG_EOI: &[u8] = &[0xFF, 0xD9];
const PNG_MAGIC: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// Why an uploaded headshot was refused. [`PhotoError::code`] is what the form shows.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PhotoError {
    #[error("the photo is empty")]
    Empty,
    #[error("the photo is too big (over 200 KB, or absurd pixel dimensions)")]
    TooLarge,
    #[error("the photo is not a PNG or JPEG image")]
    UnsupportedType,
    #[error("the photo is damaged or cannot be read")]
    Unreadable,
    #[error("the photo is {width}×{height} px, not 230×288 px")]
    WrongDimensions { width: u32, height: u32 },
}

impl PhotoError {
    /// Stable code for the UI's message catalogue.
    pub fn code(&self) -> &'static str {
        match self {
            PhotoError::Empty => "photo_empty",
            PhotoError::TooLarge => "photo_too_big",
            PhotoError::UnsupportedType => "photo_type",
            PhotoError::Unreadable => "photo_unreadable",
            PhotoError::WrongDimensions { .. } => "photo_dimensions",
        }
    }
}

/// A checked headshot, ready to store: a clean baseline JPEG of exactly 230×288 px.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Headshot {
    /// The re-encoded JPEG (RGB, no metadata), at most [`MAX_UPLOAD_BYTES`].
    pub jpeg: Vec<u8>,
    /// SHA-256 of `jpeg`, lower-case hex, for the application record and the audit log.
    pub sha256_hex: String,
}

/// Checks an uploaded headshot and re-encodes it; the upload's file name and declared type are
/// never consulted. This is a few milliseconds of CPU work: async callers may wrap it in
/// `tokio::task::spawn_blocking`.
pub fn normalise_headshot(bytes: &[u8]) -> Result<Headshot, PhotoError> {
    if bytes.is_empty() {
        return Err(PhotoError::Empty);
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(PhotoError::TooLarge);
    }
    let format = sniff(bytes).ok_or(PhotoError::UnsupportedType)?;
    // A JPEG cut short still "decodes" (the lenient decoder greys out the rest): the
    // browser's file always ends with the end-of-image marker, so require it.
    if format == ImageFormat::Jpeg && !bytes.ends_with(JPEG_EOI) {
        return Err(PhotoError::Unreadable);
    }

    // The header first: refuse absurd sizes before any pixel buffer exists.
    let header = reader(bytes, format).into_dimensions();
    check_size(header.map_err(decode_error)?)?;
    let image = reader(bytes, format).decode().map_err(decode_error)?;
    check_size((image.width(), image.height()))?;
    let rgb = flatten_on_white(&image);

    for quality in QUALITIES {
        let mut jpeg = Vec::new();
        JpegEncoder::new_with_quality(&mut jpeg, quality)
            .encode_image(&rgb)
            .map_err(|_| PhotoError::Unreadable)?;
        if jpeg.len() <= MAX_UPLOAD_BYTES {
            let sha256_hex = hex(&Sha256::digest(&jpeg));
            return Ok(Headshot { jpeg, sha256_hex });
        }
    }
    Err(PhotoError::TooLarge)
}

/// Absurd sizes are refused as too big, any other size but the card's as wrong.
fn check_size((width, height): (u32, u32)) -> Result<(), PhotoError> {
    if width > MAX_DECODE_SIDE || height > MAX_DECODE_SIDE {
        Err(PhotoError::TooLarge)
    } else if (width, height) != (HEADSHOT_WIDTH, HEADSHOT_HEIGHT) {
        Err(PhotoError::WrongDimensions { width, height })
    } else {
        Ok(())
    }
}

/// The image type by its first bytes: only JPEG and PNG are photos.
fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
    if bytes.starts_with(JPEG_MAGIC) {
        Some(ImageFormat::Jpeg)
    } else if bytes.starts_with(PNG_MAGIC) {
        Some(ImageFormat::Png)
    } else {
        None
    }
}

/// A decoder for exactly `format`, held to the anti-bomb limits.
fn reader(bytes: &[u8], format: ImageFormat) -> ImageReader<Cursor<&[u8]>> {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DECODE_SIDE);
    limits.max_image_height = Some(MAX_DECODE_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);
    reader
}

fn decode_error(error: ImageError) -> PhotoError {
    match error {
        ImageError::Limits(_) => PhotoError::TooLarge,
        _ => PhotoError::Unreadable,
    }
}

/// RGB pixels; transparent parts of the photo become white, as on the printed card.
fn flatten_on_white(image: &DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.to_rgb8();
    }
    let rgba = image.to_rgba8();
    RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let over_white = |c: u8| {
            let (c, a) = (u32::from(c), u32::from(a));
            let mixed = (c * a + 255 * (255 - a) + 127) / 255;
            u8::try_from(mixed).unwrap_or(u8::MAX)
        };
        image::Rgb([over_white(r), over_white(g), over_white(b)])
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A stored headshot not yet part of any application: it lives in `photo_dir/tmp/` until
/// [`PendingPhoto::commit`] (after the database commit) moves it into `photo_dir`. If it is
/// dropped uncommitted (the request failed, the transaction rolled back), the file is removed.
#[derive(Debug)]
pub struct PendingPhoto {
    file_name: String,
    tmp_path: PathBuf,
    settled: bool,
}

impl PendingPhoto {
    /// The server-chosen file name (`<uuid>.jpg`) to record with the application.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// Where the photo waits until it is committed.
    pub fn tmp_path(&self) -> &Path {
        &self.tmp_path
    }

    /// Moves the photo into `photo_dir` (the same folder given to [`store_headshot`]). Call only
    /// once the application row is committed; on failure the temporary file is removed.
    pub async fn commit(mut self, photo_dir: &Path) -> std::io::Result<()> {
        tokio::fs::rename(&self.tmp_path, photo_dir.join(&self.file_name)).await?;
        self.settled = true;
        Ok(())
    }

    /// Leaves the photo waiting in `tmp/` beyond this request (the wizard's session
    /// remembers the name until the application is submitted); returns its name.
    pub fn keep(mut self) -> String {
        self.settled = true;
        std::mem::take(&mut self.file_name)
    }

    /// Throws the photo away (the application was not saved).
    pub async fn discard(mut self) {
        let _ = tokio::fs::remove_file(&self.tmp_path).await;
        self.settled = true;
    }
}

impl Drop for PendingPhoto {
    fn drop(&mut self) {
        if !self.settled {
            let _ = std::fs::remove_file(&self.tmp_path);
        }
    }
}

/// Writes a checked headshot to `photo_dir/tmp/<random uuid>.jpg` (creating the folders),
/// flushed to disk, never overwriting an existing file.
pub async fn store_headshot(
    photo_dir: &Path,
    headshot: &Headshot,
) -> std::io::Result<PendingPhoto> {
    let tmp_dir = photo_dir.join("tmp");
    tokio::fs::create_dir_all(&tmp_dir).await?;
    let file_name = format!("{}.jpg", uuid::Uuid::new_v4().hyphenated());
    let tmp_path = tmp_dir.join(&file_name);
    let (target, jpeg) = (tmp_path.clone(), headshot.jpeg.clone());
    tokio::task::spawn_blocking(move || {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&target)?;
        let written = file.write_all(&jpeg).and_then(|()| file.sync_all());
        if written.is_err() {
            let _ = std::fs::remove_file(&target);
        }
        written
    })
    .await
    .map_err(std::io::Error::other)??;
    Ok(PendingPhoto {
        file_name,
        tmp_path,
        settled: false,
    })
}

/// Checks and stores an uploaded headshot in `tmp/` for a later application; returns
/// its file name.
///
/// # Errors
/// I/O errors.
pub async fn store_pending(photo_dir: &Path, headshot: &Headshot) -> std::io::Result<String> {
    Ok(store_headshot(photo_dir, headshot).await?.keep())
}

/// Where a kept headshot waits (`None` for a name the server could not have chosen).
pub fn pending_path(photo_dir: &Path, file_name: &str) -> Option<PathBuf> {
    photo_path(&photo_dir.join("tmp"), file_name)
}

/// Moves a kept headshot into place, after its application's transaction committed.
///
/// # Errors
/// I/O errors; `InvalidInput` for a name the server could not have chosen.
pub async fn commit_pending(photo_dir: &Path, file_name: &str) -> std::io::Result<()> {
    let from = pending_path(photo_dir, file_name)
        .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::InvalidInput))?;
    let to = photo_path(photo_dir, file_name)
        .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::InvalidInput))?;
    tokio::fs::rename(from, to).await
}

/// Removes a kept headshot that will not be used (replaced by a new upload).
pub async fn discard_pending(photo_dir: &Path, file_name: &str) {
    if let Some(path) = pending_path(photo_dir, file_name) {
        let _ = tokio::fs::remove_file(path).await;
    }
}

/// The path of a committed headshot, or `None` if `file_name` is not one the server could
/// have chosen (`^[0-9a-f-]{36}\.jpg$`): no folders, no `..`, no other extensions.
pub fn photo_path(photo_dir: &Path, file_name: &str) -> Option<PathBuf> {
    let stem = file_name.strip_suffix(".jpg")?;
    let allowed = |b: u8| matches!(b, b'0'..=b'9' | b'a'..=b'f' | b'-');
    (stem.len() == 36 && stem.bytes().all(allowed)).then(|| photo_dir.join(file_name))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use image::{ImageBuffer, Rgba, RgbaImage};

    fn encode(image: DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        image.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    /// A face-ish gradient, with a transparent band at the top when `alpha` is set.
    fn portrait(width: u32, height: u32, alpha: bool) -> DynamicImage {
        let img: RgbaImage = ImageBuffer::from_fn(width, height, |x, y| {
            let a = if alpha && y < 20 { 0 } else { 255 };
            Rgba([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8, a])
        });
        if alpha {
            img.into()
        } else {
            DynamicImage::ImageRgba8(img).to_rgb8().into()
        }
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &byte in data {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
            }
        }
        !crc
    }

    fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }

    /// An APP1 "Exif" segment: a little-endian TIFF whose IFD0 points (GPSInfo tag) at a GPS
    /// IFD placing the photo at 25°2'0"N (Taipei).
    fn exif_with_gps() -> Vec<u8> {
        #[rustfmt::skip]
        let tiff: [u8; 80] = [
            b'I', b'I', 42, 0, 8, 0, 0, 0,
            // IFD0 at 8: one entry, GPSInfo (0x8825, LONG, 1) = GPS IFD at 26; no next IFD.
            1, 0, 0x25, 0x88, 4, 0, 1, 0, 0, 0, 26, 0, 0, 0, 0, 0, 0, 0,
            // GPS IFD at 26: GPSLatitudeRef "N"; GPSLatitude (3 RATIONAL) at 56; no next IFD.
            2, 0, 1, 0, 2, 0, 2, 0, 0, 0, b'N', 0, 0, 0,
            2, 0, 5, 0, 3, 0, 0, 0, 56, 0, 0, 0, 0, 0, 0, 0,
            // 25/1, 2/1, 0/1
            25, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
        ];
        [&[0xFF, 0xE1, 0, 88][..], b"Exif\0\0", &tiff].concat()
    }

    fn scratch_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("photo-test-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn png_with_alpha_becomes_a_small_white_backed_jpeg() {
        let png = encode(portrait(230, 288, true), ImageFormat::Png);
        let headshot = normalise_headshot(&png).unwrap();
        assert!(headshot.jpeg.starts_with(JPEG_MAGIC));
        assert!(headshot.jpeg.len() <= MAX_UPLOAD_BYTES);
        assert_eq!(headshot.sha256_hex, hex(&Sha256::digest(&headshot.jpeg)));
        assert_eq!(headshot.sha256_hex.len(), 64);
        let back = image::load_from_memory_with_format(&headshot.jpeg, ImageFormat::Jpeg).unwrap();
        assert_eq!((back.width(), back.height()), (230, 288));
        assert!(!back.color().has_alpha());
        let corner = back.to_rgb8().get_pixel(100, 5).0;
        assert!(
            corner.iter().all(|&c| c > 240),
            "transparent parts are white: {corner:?}"
        );
    }

    #[test]
    fn exif_gps_and_comments_are_stripped() {
        let jpeg = encode(portrait(230, 288, false), ImageFormat::Jpeg);
        let mut tagged = jpeg[..2].to_vec();
        tagged.extend_from_slice(&exif_with_gps());
        tagged.extend_from_slice(&[0xFF, 0xFE, 0x00, 0x0E]);
        tagged.extend_from_slice(b"home addr!!!");
        tagged.extend_from_slice(&jpeg[2..]);
        assert!(contains(&tagged, b"Exif\0\0") && contains(&tagged, b"home addr"));
        let out = normalise_headshot(&tagged).unwrap().jpeg;
        assert!(!contains(&out, b"Exif"));
        assert!(!contains(&out, &[0xFF, 0xE1]), "no APP1 segment");
        assert!(!contains(&out, &[0xFF, 0xE2]), "no ICC profile");
        assert!(!contains(&out, b"home addr"));
    }

    #[test]
    fn only_jpeg_and_png_by_content() {
        let fakes: [&[u8]; 5] = [
            b"<!doctype html><script>alert(document.cookie)</script>",
            b"GIF89a\xe6\x00\x20\x01\x80\x00\x00",
            b"RIFF\x24\x00\x00\x00WEBPVP8 ",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
            b"BM\x36\x00\x00\x00\x00\x00",
        ];
        for fake in fakes {
            assert_eq!(normalise_headshot(fake), Err(PhotoError::UnsupportedType));
        }
    }

    #[test]
    fn png_bomb_is_refused_from_the_header() {
        let mut bomb = PNG_MAGIC.to_vec();
        let mut ihdr = 60_000u32.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&60_000u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
        png_chunk(&mut bomb, b"IHDR", &ihdr);
        png_chunk(&mut bomb, b"IEND", &[]);
        let started = std::time::Instant::now();
        assert_eq!(normalise_headshot(&bomb), Err(PhotoError::TooLarge));
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn damaged_photos_are_unreadable() {
        let jpeg = encode(portrait(230, 288, false), ImageFormat::Jpeg);
        let cut = &jpeg[..jpeg.len() / 2];
        assert_eq!(normalise_headshot(cut), Err(PhotoError::Unreadable));
        assert_eq!(normalise_headshot(&jpeg[..40]), Err(PhotoError::Unreadable));
        let png = encode(portrait(230, 288, true), ImageFormat::Png);
        let cut = &png[..png.len() / 2];
        assert_eq!(normalise_headshot(cut), Err(PhotoError::Unreadable));
    }

    #[test]
    fn other_sizes_are_refused() {
        for format in [ImageFormat::Jpeg, ImageFormat::Png] {
            let photo = encode(portrait(400, 500, false), format);
            let err = normalise_headshot(&photo).unwrap_err();
            assert_eq!(err.to_string(), "the photo is 400×500 px, not 230×288 px");
            assert_eq!(err.code(), "photo_dimensions");
        }
    }

    #[test]
    fn empty_and_oversized_uploads() {
        assert_eq!(
            normalise_headshot(&[]).map_err(|e| e.code()),
            Err("photo_empty")
        );
        let mut big = JPEG_MAGIC.to_vec();
        big.resize(MAX_UPLOAD_BYTES + 1, 0);
        assert_eq!(normalise_headshot(&big), Err(PhotoError::TooLarge));
        assert_eq!(PhotoError::TooLarge.code(), "photo_too_big");
        assert_eq!(PhotoError::UnsupportedType.code(), "photo_type");
        assert_eq!(PhotoError::Unreadable.code(), "photo_unreadable");
    }

    #[tokio::test]
    async fn store_then_commit_moves_the_file() {
        let dir = scratch_dir();
        let headshot = normalise_headshot(&encode(portrait(230, 288, false), ImageFormat::Png));
        let headshot = headshot.unwrap();
        let pending = store_headshot(&dir, &headshot).await.unwrap();
        let (name, tmp) = (
            pending.file_name().to_owned(),
            pending.tmp_path().to_owned(),
        );
        assert_eq!(tmp, dir.join("tmp").join(&name));
        assert_eq!(std::fs::read(&tmp).unwrap(), headshot.jpeg);
        pending.commit(&dir).await.unwrap();
        assert!(!tmp.exists());
        let stored = photo_path(&dir, &name).unwrap();
        assert_eq!(std::fs::read(stored).unwrap(), headshot.jpeg);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn discard_and_drop_remove_the_temporary_file() {
        let dir = scratch_dir();
        let headshot = Headshot {
            jpeg: vec![1, 2, 3],
            sha256_hex: String::new(),
        };
        let discarded = store_headshot(&dir, &headshot).await.unwrap();
        let tmp = discarded.tmp_path().to_owned();
        assert!(tmp.exists());
        discarded.discard().await;
        assert!(!tmp.exists());
        let dropped = store_headshot(&dir, &headshot).await.unwrap();
        let tmp = dropped.tmp_path().to_owned();
        assert!(tmp.exists());
        drop(dropped);
        assert!(!tmp.exists());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn photo_path_accepts_only_server_chosen_names() {
        let dir = Path::new("/srv/photos");
        let good = "0f8e2a4c-1b3d-4e5f-8a9b-0c1d2e3f4a5b.jpg";
        assert_eq!(photo_path(dir, good), Some(dir.join(good)));
        let bad_names = [
            "../x.jpg",
            "/etc/passwd",
            "",
            "0F8E2A4C-1B3D-4E5F-8A9B-0C1D2E3F4A5B.jpg",
            "0f8e2a4c-1b3d-4e5f-8a9b-0c1d2e3f4a5b.png",
            "0f8e2a4c-1b3d-4e5f-8a9b-0c1d2e3f4a5b.jpg/",
            "0f8e2a4c-1b3d-4e5f-8a9b-0c1d2e3f4a5b.jpg.jpg",
            "../8e2a4c-1b3d-4e5f-8a9b-0c1d2e3f4a5b.jpg",
            "0f8e2a4c/1b3d-4e5f-8a9b-0c1d2e3f4a5b.jpg",
        ];
        for bad in bad_names {
            assert_eq!(photo_path(dir, bad), None, "{bad}");
        }
    }
}
