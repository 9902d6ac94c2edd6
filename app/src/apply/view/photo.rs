//! Step 4 «上傳大頭照»: choose, crop and upload the headshot, with progress.

use super::*;

/// Step 4: the headshot, cropped in the browser, with the live card preview.
#[component]
pub fn PhotoStep() -> impl IntoView {
    let i18n = use_i18n();
    let state = ApplyState::use_state();
    state.ensure_loaded();
    require_applicant(state);
    let title =
        Signal::derive(move || td_string!(i18n.get_locale(), apply.photo_title).to_string());
    view! {
        <PageShell>
            <StepHeader step=4 total=TOTAL title=title back_href="/card/apply/applicant" />
            <p class="wizard-name">{tr(i18n, |l| td_string!(l, common.wizard_apply))}</p>
            {gate(i18n, state, move |o| view! { <PhotoForm overview=o /> }.into_any())}
        </PageShell>
    }
}

/// The crop in progress (browser only).
#[derive(Clone)]
pub(super) struct Cropping {
    #[cfg(feature = "csr")]
    img: web_sys::HtmlImageElement,
    #[cfg(feature = "csr")]
    url: String,
}

#[component]
pub(super) fn PhotoForm(overview: ApplyOverview) -> impl IntoView {
    let i18n = use_i18n();
    let state = ApplyState::use_state();
    let errors = RwSignal::new(FieldErrors::new());
    let form_error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let progress = RwSignal::new(None::<u32>);
    let cropping = StoredValue::new_local(None::<Cropping>);
    let crop = RwSignal::new(None::<Crop>);
    let frame = NodeRef::<leptos::html::Canvas>::new();
    let preview = NodeRef::<leptos::html::Canvas>::new();
    let summary = summary_of(i18n, errors);
    let navigate = use_navigate();

    // Redraw the crop frame and the card preview whenever the crop changes.
    Effect::new(move |_| {
        let Some(c) = crop.get() else { return };
        #[cfg(feature = "csr")]
        cropping.with_value(|p| {
            if let Some(p) = p {
                for node in [frame, preview] {
                    if let Some(canvas) = node.get() {
                        super::super::photo_crop::browser::draw(&canvas, &p.img, &c);
                    }
                }
            }
        });
        #[cfg(not(feature = "csr"))]
        let _ = (c, frame, preview, cropping);
    });

    let choose_file = move |ev: leptos::ev::Event| {
        errors.set(FieldErrors::new());
        #[cfg(feature = "csr")]
        {
            use wasm_bindgen::JsCast;
            let Some(file) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                .and_then(|input| input.files())
                .and_then(|files| files.get(0))
            else {
                return;
            };
            busy.set(true);
            spawn_local(async move {
                match super::super::photo_crop::browser::load(&file).await {
                    Ok((img, c, url)) => {
                        cropping.update_value(|p| {
                            if let Some(old) = p.take() {
                                let _ = web_sys::Url::revoke_object_url(&old.url);
                            }
                            *p = Some(Cropping { img, url });
                        });
                        crop.set(Some(c));
                    }
                    Err(code) => errors.set(FieldErrors::from([("photo".into(), code.into())])),
                }
                busy.set(false);
            });
        }
        #[cfg(not(feature = "csr"))]
        let _ = ev;
    };

    // Drag with one finger or the mouse, pinch with two.
    let pointers = StoredValue::new(Vec::<(i32, f64, f64)>::new());
    let frame_width = move || {
        #[cfg(feature = "csr")]
        if let Some(c) = frame.get_untracked() {
            return c.get_bounding_client_rect().width().max(1.0);
        }
        230.0
    };
    let on_down = move |ev: leptos::ev::PointerEvent| {
        ev.prevent_default();
        #[cfg(feature = "csr")]
        if let Some(c) = frame.get_untracked() {
            let _ = c.set_pointer_capture(ev.pointer_id());
        }
        pointers.update_value(|p| {
            p.retain(|(id, _, _)| *id != ev.pointer_id());
            p.push((
                ev.pointer_id(),
                f64::from(ev.client_x()),
                f64::from(ev.client_y()),
            ));
        });
    };
    let on_move = move |ev: leptos::ev::PointerEvent| {
        let (x, y) = (f64::from(ev.client_x()), f64::from(ev.client_y()));
        let before = pointers.get_value();
        let Some(i) = before.iter().position(|(id, _, _)| *id == ev.pointer_id()) else {
            return;
        };
        ev.prevent_default();
        let width = frame_width();
        crop.update(|c| {
            let Some(c) = c else { return };
            if before.len() >= 2 {
                let other = before[if i == 0 { 1 } else { 0 }];
                let old = (before[i].1 - other.1).hypot(before[i].2 - other.2);
                let new = (x - other.1).hypot(y - other.2);
                if old > 1.0 {
                    c.set_zoom(c.zoom * new / old);
                }
            } else {
                c.pan(x - before[i].1, y - before[i].2, width);
            }
        });
        pointers.update_value(|p| p[i] = (ev.pointer_id(), x, y));
    };
    let on_up = move |ev: leptos::ev::PointerEvent| {
        pointers.update_value(|p| p.retain(|(id, _, _)| *id != ev.pointer_id()));
    };
    let on_wheel = move |ev: leptos::ev::WheelEvent| {
        ev.prevent_default();
        let factor = if ev.delta_y() < 0.0 { 1.1 } else { 1.0 / 1.1 };
        crop.update(|c| {
            if let Some(c) = c {
                c.set_zoom(c.zoom * factor);
            }
        });
    };
    let nudge = move |dx: f64, dy: f64| {
        let width = frame_width();
        crop.update(|c| {
            if let Some(c) = c {
                c.pan(dx, dy, width);
            }
        });
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let step = 10.0;
        match ev.key().as_str() {
            "ArrowLeft" => nudge(step, 0.0),
            "ArrowRight" => nudge(-step, 0.0),
            "ArrowUp" => nudge(0.0, step),
            "ArrowDown" => nudge(0.0, -step),
            _ => return,
        }
        ev.prevent_default();
    };

    let go_next = move || {
        let navigate = navigate.clone();
        spawn_local(async move {
            match save_apply_draft(ApplyStep::Photo, state.draft.get_untracked()).await {
                Ok(()) => navigate("/card/apply/delivery", Default::default()),
                Err(AppError::Validation(f)) => errors.set(f),
                Err(e) => form_error.set(Some(form_error_text(i18n.get_locale_untracked(), &e))),
            }
            busy.set(false);
        });
    };
    let upload_and_continue = move |_| {
        if busy.get_untracked() {
            return;
        }
        form_error.set(None);
        errors.set(FieldErrors::new());
        let Some(c) = crop.get_untracked() else {
            if state.photo_url.get_untracked().is_some() {
                busy.set(true);
                go_next();
            } else {
                errors.set(FieldErrors::from([("photo".into(), "required".into())]));
            }
            return;
        };
        busy.set(true);
        #[cfg(feature = "csr")]
        {
            let go_next = go_next.clone();
            let img = cropping.with_value(|p| p.as_ref().map(|p| p.img.clone()));
            spawn_local(async move {
                use super::super::photo_crop::browser;
                let Some(img) = img else { return };
                let Some(blob) = browser::encode(&img, &c).await else {
                    errors.set(FieldErrors::from([("photo".into(), "photo_encode".into())]));
                    busy.set(false);
                    return;
                };
                progress.set(Some(0));
                let (status, body) = browser::upload(&blob, move |p| progress.set(Some(p))).await;
                progress.set(None);
                if status == 204 {
                    if let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) {
                        state.photo_url.set(Some(url));
                    }
                    go_next();
                    return;
                }
                match serde_json::from_str::<AppError>(&body) {
                    Ok(AppError::Validation(f)) => errors.set(f),
                    Ok(e) => form_error.set(Some(form_error_text(i18n.get_locale_untracked(), &e))),
                    Err(_) if status == 413 => errors.set(FieldErrors::from([(
                        "photo".into(),
                        "photo_too_big".into(),
                    )])),
                    Err(_) => {
                        errors.set(FieldErrors::from([("photo".into(), "photo_upload".into())]))
                    }
                }
                busy.set(false);
            });
        }
        #[cfg(not(feature = "csr"))]
        let _ = (c, go_next.clone());
    };

    let name = overview.applicant.name.clone();
    let school = overview.applicant.school_name.clone();
    let photo_error = error_of(i18n, errors, "photo");
    view! {
        <ErrorSummary items=summary />
        <FormAlert message=form_error />
        <section class="photo-rules" aria-labelledby="photo-rules-title">
            <h2 id="photo-rules-title">{tr(i18n, |l| td_string!(l, apply.photo_rules_title))}</h2>
            <ul>
                <li>{tr(i18n, |l| td_string!(l, apply.photo_rule_face))}</li>
                <li>{tr(i18n, |l| td_string!(l, apply.photo_rule_any))}</li>
                <li>{tr(i18n, |l| td_string!(l, apply.photo_rule_size))}</li>
            </ul>
        </section>
        <div class="field" class:field--error=move || photo_error.get().is_some()>
            <label class="button button--secondary file-button" for="photo-file">
                {move || if crop.get().is_some() || state.photo_url.get().is_some() {
                    td_string!(i18n.get_locale(), apply.photo_choose_again)
                } else {
                    td_string!(i18n.get_locale(), apply.photo_choose)
                }}
            </label>
            <input id="photo-file" class="visually-hidden" type="file" accept="image/jpeg,image/png"
                aria-describedby="photo-file-error"
                aria-invalid=move || photo_error.get().is_some().then_some("true")
                on:change=choose_file />
            <p class="field__error" id="photo-file-error">{move || photo_error.get()}</p>
        </div>
        <Show when=move || crop.get().is_some()>
            <div class="cropper">
                <p class="hint" id="crop-hint">{tr(i18n, |l| td_string!(l, apply.crop_hint))}</p>
                <canvas node_ref=frame class="cropper__frame" width="460" height="576" tabindex="0"
                    role="img" aria-describedby="crop-hint"
                    aria-label=move || td_string!(i18n.get_locale(), apply.crop_label).to_string()
                    on:pointerdown=on_down on:pointermove=on_move on:pointerup=on_up on:pointercancel=on_up
                    on:wheel=on_wheel on:keydown=on_key></canvas>
                <label class="cropper__zoom">
                    <span>{tr(i18n, |l| td_string!(l, apply.zoom))}</span>
                    <input type="range" min="1" step="0.01"
                        prop:max=move || crop.get().map_or(1.0, |c| c.max_zoom()).to_string()
                        prop:value=move || crop.get().map_or(1.0, |c| c.zoom).to_string()
                        on:input=move |ev| {
                            if let Ok(z) = event_target_value(&ev).parse::<f64>() {
                                crop.update(|c| if let Some(c) = c { c.set_zoom(z) });
                            }
                        } />
                </label>
            </div>
        </Show>
        {move || if crop.get().is_some() {
            view! { <CardPreview name=name.clone() school=school.clone() card_type=chosen_type_name(state) canvas=preview /> }.into_any()
        } else {
            view! { <CardPreview name=name.clone() school=school.clone() card_type=chosen_type_name(state) /> }.into_any()
        }}
        {move || progress.get().map(|p| view! {
            <div class="upload-progress" role="status">
                <span>{move || td_string!(i18n.get_locale(), apply.uploading, percent = p).to_string()}</span>
                <progress max="100" prop:value=p></progress>
            </div>
        })}
        <div class="actions">
            <button type="button" class="button button--primary" prop:disabled=move || busy.get() on:click=upload_and_continue>
                {move || if crop.get().is_some() {
                    td_string!(i18n.get_locale(), apply.photo_use)
                } else {
                    td_string!(i18n.get_locale(), apply.next)
                }}
            </button>
        </div>
    }
}
