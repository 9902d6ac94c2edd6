//! The apply wizard's steps after verification: applicant (3), headshot (4), delivery
//! (5), check and submit (6), result (7); the payment slip; and the applications list
//! of the query page.

use super::api::{
    load_apply_overview, load_last_application_receipt, load_payment_slip, save_apply_draft,
    submit_application,
};
use super::photo_crop::Crop;
use super::{
    ApplicationReason, ApplicationReceipt, ApplicationStatus, ApplicationSummary, ApplyBlock,
    ApplyDraft, ApplyInput, ApplyOverview, ApplyStep, Delivery, PaymentSlip,
};
use crate::card_stop::view::new_idempotency_key;
use crate::domain::dates::{iso_date, roc_year, taiwan_date_time};
use crate::error::{AppError, FieldErrors};
use crate::i18n::*;
use crate::ui::{
    ErrorSummary, FormAlert, Link, PageShell, StatusChip, StepHeader, SummaryItem, TextField,
    form_error_text, load_once, set_title, tr,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_params_map};

const TOTAL: u8 = 7;

/// The application in progress, above the router. The draft is also saved in the
/// server session at every step, so a reload loads it back.
#[derive(Clone, Copy)]
pub struct ApplyState {
    pub overview: RwSignal<Option<Result<ApplyOverview, AppError>>>,
    pub draft: RwSignal<ApplyDraft>,
    /// What the card preview shows: the cropped JPEG (a `blob:` URL) or the uploaded
    /// headshot (`/api/apply/photo`).
    pub photo_url: RwSignal<Option<String>>,
    pub idempotency_key: RwSignal<Option<String>>,
    pub receipt: RwSignal<Option<ApplicationReceipt>>,
}

impl ApplyState {
    pub fn provide() {
        provide_context(ApplyState {
            overview: RwSignal::new(None),
            draft: RwSignal::new(ApplyDraft::default()),
            photo_url: RwSignal::new(None),
            idempotency_key: RwSignal::new(None),
            receipt: RwSignal::new(None),
        });
    }

    pub fn use_state() -> Self {
        use_context::<ApplyState>().unwrap_or_else(|| {
            Self::provide();
            expect_context::<ApplyState>()
        })
    }

    /// Loads the overview once per page load and fills the draft from it.
    fn ensure_loaded(self) {
        if self.overview.get_untracked().is_some() {
            return;
        }
        spawn_local(async move {
            let r = load_apply_overview().await;
            if let Ok(o) = &r {
                let draft = o.draft.clone().unwrap_or_else(|| ApplyDraft {
                    card_type: o
                        .card_types
                        .first()
                        .map(|t| t.code.clone())
                        .unwrap_or_default(),
                    reason: if o.has_stopped_card {
                        ApplicationReason::Lost
                    } else {
                        ApplicationReason::Damaged
                    },
                    recipient_name: o.applicant.name.clone(),
                    ..Default::default()
                });
                self.draft.set(draft);
                if o.has_photo {
                    self.photo_url.set(Some("/api/apply/photo".into()));
                }
            }
            self.overview.set(Some(r));
        });
    }

    fn loaded(&self) -> Option<ApplyOverview> {
        self.overview.get().and_then(Result::ok)
    }
}

fn field_text(locale: Locale, code: &str) -> &'static str {
    match code {
        "format" => td_string!(locale, apply.err_format),
        "too_long" => td_string!(locale, apply.err_too_long),
        "unknown" => td_string!(locale, apply.err_card_type),
        "photo_type" => td_string!(locale, apply.err_photo_type),
        "photo_unreadable" => td_string!(locale, apply.err_photo_unreadable),
        "photo_small" => td_string!(locale, apply.err_photo_small),
        "photo_too_big" | "photo_encode" => td_string!(locale, apply.err_photo_too_big),
        "photo_dimensions" | "photo_empty" => td_string!(locale, apply.err_photo_unreadable),
        "photo_upload" => td_string!(locale, apply.err_photo_upload),
        "reused" => td_string!(locale, apply.err_reused),
        _ => td_string!(locale, apply.err_required),
    }
}

fn field_label(locale: Locale, field: &str) -> &'static str {
    match field {
        "card_type" => td_string!(locale, apply.card_type),
        "reason_remark" => td_string!(locale, apply.reason_remark),
        "email" => td_string!(locale, apply.email),
        "phone" => td_string!(locale, apply.phone),
        "mobile" => td_string!(locale, apply.mobile),
        "contact_name" => td_string!(locale, apply.contact_name),
        "contact_phone" => td_string!(locale, apply.contact_phone),
        "address" => td_string!(locale, apply.address),
        "recipient_name" => td_string!(locale, apply.recipient_name),
        "recipient_address" => td_string!(locale, apply.recipient_address),
        "recipient_phone" => td_string!(locale, apply.recipient_phone),
        "recipient_email" => td_string!(locale, apply.recipient_email),
        "photo" => td_string!(locale, apply.photo),
        _ => td_string!(locale, apply.submit),
    }
}

fn field_id(field: &str) -> &'static str {
    match field {
        "card_type" => "card-type",
        "reason_remark" => "reason-remark",
        "email" => "email",
        "phone" => "phone",
        "mobile" => "mobile",
        "contact_name" => "contact-name",
        "contact_phone" => "contact-phone",
        "address" => "address",
        "recipient_name" => "recipient-name",
        "recipient_address" => "recipient-address",
        "recipient_phone" => "recipient-phone",
        "recipient_email" => "recipient-email",
        "photo" => "photo-file",
        _ => "submit",
    }
}

fn summary_of(
    i18n: leptos_i18n::I18nContext<Locale>,
    errors: RwSignal<FieldErrors>,
) -> Signal<Vec<SummaryItem>> {
    Signal::derive(move || {
        let locale = i18n.get_locale();
        errors.with(|e| {
            e.iter()
                .map(|(f, code)| SummaryItem {
                    field_id: field_id(f),
                    message: format!("{}：{}", field_label(locale, f), field_text(locale, code)),
                })
                .collect()
        })
    })
}

fn error_of(
    i18n: leptos_i18n::I18nContext<Locale>,
    errors: RwSignal<FieldErrors>,
    field: &'static str,
) -> Signal<Option<String>> {
    Signal::derive(move || {
        errors.with(|e| {
            e.get(field)
                .map(|c| field_text(i18n.get_locale(), c).to_string())
        })
    })
}

/// A text field bound to one field of the draft.
fn draft_field(
    state: ApplyState,
    errors: RwSignal<FieldErrors>,
    field: &'static str,
    label: fn(Locale) -> &'static str,
    get: fn(&ApplyDraft) -> &String,
    set: fn(&mut ApplyDraft, String),
    (input_type, autocomplete): (&'static str, &'static str),
) -> impl IntoView {
    let i18n = use_i18n();
    let inputmode = match input_type {
        "tel" => "tel",
        "email" => "email",
        _ => "text",
    };
    view! {
        <TextField id=field_id(field) label=label
            value=Signal::derive(move || state.draft.with(|d| get(d).clone()))
            on_input=Callback::new(move |v: String| {
                state.draft.update(|d| set(d, v));
                errors.update(|e| { e.remove(field); });
            })
            error=error_of(i18n, errors, field)
            input_type=input_type inputmode=inputmode autocomplete=autocomplete maxlength=120 />
    }
}

fn money(locale: Locale, amount: i32) -> String {
    td_string!(locale, apply.amount, amount = amount).to_string()
}

fn pick(locale: Locale, zh: &str, en: &str) -> String {
    if locale == Locale::en { en } else { zh }.to_owned()
}

fn reason_text(locale: Locale, r: ApplicationReason) -> &'static str {
    match r {
        ApplicationReason::Lost => td_string!(locale, apply.reason_lost),
        ApplicationReason::Damaged => td_string!(locale, apply.reason_damaged),
        ApplicationReason::ReportedLost => td_string!(locale, apply.reason_reported_lost),
        ApplicationReason::Other => td_string!(locale, apply.reason_other),
    }
}

/// The visible text of an application state (the SPEC's vocabulary).
pub fn status_label(locale: Locale, s: ApplicationStatus) -> &'static str {
    s.label(locale == Locale::en)
}

fn status_tone(s: ApplicationStatus) -> &'static str {
    match s {
        ApplicationStatus::AwaitingPayment => "warn",
        ApplicationStatus::Returned | ApplicationStatus::Expired => "stop",
        _ => "ok",
    }
}

fn loading_view(i18n: leptos_i18n::I18nContext<Locale>) -> AnyView {
    view! { <p class="loading" role="status">{tr(i18n, |l| td_string!(l, common.loading))}</p> }
        .into_any()
}

/// What a step shows before its own content: loading, an expired verification, a
/// block («already has a card», «already applied») or an error.
fn gate(
    i18n: leptos_i18n::I18nContext<Locale>,
    state: ApplyState,
    content: impl Fn(ApplyOverview) -> AnyView + Send + Sync + 'static,
) -> impl IntoView {
    move || {
        match state.overview.get() {
        None => loading_view(i18n),
        Some(Err(AppError::Unauthorized)) => view! {
            <div class="form-alert" role="alert">{tr(i18n, |l| td_string!(l, common.session_expired))}</div>
            <Link href="/card/apply/consent" class="button button--primary">{tr(i18n, |l| td_string!(l, common.start_over))}</Link>
        }
        .into_any(),
        Some(Err(e)) => view! {
            <div class="form-alert" role="alert">{form_error_text(i18n.get_locale(), &e)}</div>
        }
        .into_any(),
        Some(Ok(o)) => match o.block.clone() {
            Some(ApplyBlock::ActiveCard { outer_no_masked }) => view! {
                <div class="notice notice--warn" role="status">
                    <p>{move || td_string!(i18n.get_locale(), apply.blocked_active, card = outer_no_masked.clone()).to_string()}</p>
                </div>
                <div class="actions">
                    <Link href="/card/stop/consent" class="button button--primary">{tr(i18n, |l| td_string!(l, common.wizard_stop))}</Link>
                    <Link href="/" class="button button--secondary">{tr(i18n, |l| td_string!(l, common.back_home))}</Link>
                </div>
            }
            .into_any(),
            Some(ApplyBlock::OpenApplication { serial_no }) => view! {
                <div class="notice notice--warn" role="status">
                    <p>{move || td_string!(i18n.get_locale(), apply.blocked_open, serial = serial_no.clone()).to_string()}</p>
                </div>
                <div class="actions">
                    <Link href="/card/query/consent" class="button button--primary">{tr(i18n, |l| td_string!(l, common.wizard_query))}</Link>
                    <Link href="/" class="button button--secondary">{tr(i18n, |l| td_string!(l, common.back_home))}</Link>
                </div>
            }
            .into_any(),
            None => content(o),
        },
    }
    }
}

/// Sends to step 3 when a later step is opened before the earlier ones are done.
fn require_applicant(state: ApplyState) {
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(o)) = state.overview.get()
            && o.block.is_none()
            && state.draft.with(|d| d.card_type.is_empty())
        {
            navigate(
                "/card/apply/applicant",
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
    });
}

/// Saves one step on the server (which checks it again) and moves on.
fn save_step(
    state: ApplyState,
    step: ApplyStep,
    errors: RwSignal<FieldErrors>,
    form_error: RwSignal<Option<String>>,
    busy: RwSignal<bool>,
    next: &'static str,
) {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let local = state.draft.with_untracked(|d| d.step_errors(step));
    errors.set(local.clone());
    form_error.set(None);
    if !local.is_empty() || busy.get_untracked() {
        return;
    }
    busy.set(true);
    let draft = state.draft.get_untracked();
    spawn_local(async move {
        match save_apply_draft(step, draft).await {
            Ok(()) => navigate(next, Default::default()),
            Err(AppError::Validation(f)) => errors.set(f),
            Err(e) => form_error.set(Some(form_error_text(i18n.get_locale_untracked(), &e))),
        }
        busy.set(false);
    });
}

/// The applicant's roster data, read-only.
fn roster_facts(i18n: leptos_i18n::I18nContext<Locale>, o: &ApplyOverview) -> impl IntoView {
    let a = o.applicant.clone();
    let gender = a.gender.clone();
    let birth = a.birth_date;
    view! {
        <section class="roster-data" aria-labelledby="roster-title">
            <h2 id="roster-title">{tr(i18n, |l| td_string!(l, apply.roster_title))}</h2>
            <p class="hint">{tr(i18n, |l| td_string!(l, apply.roster_hint))}</p>
            <dl class="facts">
                <div><dt>{tr(i18n, |l| td_string!(l, apply.name))}</dt><dd>{a.name.clone()}</dd></div>
                <div><dt>{tr(i18n, |l| td_string!(l, apply.id_no))}</dt><dd class="mono">{a.id_masked.clone()}</dd></div>
                <div><dt>{tr(i18n, |l| td_string!(l, apply.birth_date))}</dt>
                    <dd>{iso_date(birth)}{roc_year(birth).map(|y| view! { <span class="cell-note">{move || td_string!(i18n.get_locale(), apply.roc_year, year = y).to_string()}</span> })}</dd></div>
                <div><dt>{tr(i18n, |l| td_string!(l, apply.gender))}</dt>
                    <dd>{move || if gender == "F" { td_string!(i18n.get_locale(), apply.female) } else { td_string!(i18n.get_locale(), apply.male) }}</dd></div>
                <div><dt>{tr(i18n, |l| td_string!(l, apply.level))}</dt><dd>{a.level.clone()}</dd></div>
                <div><dt>{tr(i18n, |l| td_string!(l, apply.school))}</dt><dd>{a.school_name.clone()}" "{a.class_name.clone()}</dd></div>
            </dl>
        </section>
    }
}

/// Step 3: card type, reason and the applicant's contacts.
#[component]
pub fn ApplicantStep() -> impl IntoView {
    let i18n = use_i18n();
    let state = ApplyState::use_state();
    state.ensure_loaded();
    let errors = RwSignal::new(FieldErrors::new());
    let form_error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let title =
        Signal::derive(move || td_string!(i18n.get_locale(), apply.applicant_title).to_string());
    let summary = summary_of(i18n, errors);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save_step(
            state,
            ApplyStep::Applicant,
            errors,
            form_error,
            busy,
            "/card/apply/photo",
        );
    };
    view! {
        <PageShell>
            <StepHeader step=3 total=TOTAL title=title back_href="/card/apply/verify" />
            <p class="wizard-name">{tr(i18n, |l| td_string!(l, common.wizard_apply))}</p>
            {gate(i18n, state, move |o| {
                let types = o.card_types.clone();
                view! {
                    <ErrorSummary items=summary />
                    <FormAlert message=form_error />
                    {roster_facts(i18n, &o)}
                    <form class="form" novalidate on:submit=submit>
                        <fieldset class="fieldset" id="card-type">
                            <legend>{tr(i18n, |l| td_string!(l, apply.card_type))}</legend>
                            <p class="field__error">{move || error_of(i18n, errors, "card_type").get()}</p>
                            {types.into_iter().map(|t| {
                                let code = t.code.clone();
                                let code2 = t.code.clone();
                                let fee = t.fee;
                                view! {
                                    <label class="radio radio--rich">
                                        <input type="radio" name="card-type"
                                            prop:checked=move || state.draft.with(|d| d.card_type == code)
                                            on:change=move |_| state.draft.update(|d| d.card_type = code2.clone()) />
                                        <span>
                                            <strong>{move || pick(i18n.get_locale(), &t.name_zh, &t.name_en)}</strong>
                                            <span class="radio__hint">{move || td_string!(i18n.get_locale(), apply.fee_hint, amount = fee).to_string()}</span>
                                        </span>
                                    </label>
                                }
                            }).collect_view()}
                        </fieldset>
                        <fieldset class="fieldset">
                            <legend>{tr(i18n, |l| td_string!(l, apply.reason))}</legend>
                            {ApplicationReason::ALL.into_iter().map(|r| view! {
                                <label class="radio">
                                    <input type="radio" name="reason"
                                        prop:checked=move || state.draft.with(|d| d.reason == r)
                                        on:change=move |_| state.draft.update(|d| d.reason = r) />
                                    <span>{move || reason_text(i18n.get_locale(), r)}</span>
                                </label>
                            }).collect_view()}
                        </fieldset>
                        {draft_field(state, errors, "reason_remark", |l| td_string!(l, apply.reason_remark), |d| &d.reason_remark, |d, v| d.reason_remark = v, ("text", "off"))}
                        <h2>{tr(i18n, |l| td_string!(l, apply.contacts_title))}</h2>
                        {draft_field(state, errors, "mobile", |l| td_string!(l, apply.mobile), |d| &d.mobile, |d, v| d.mobile = v, ("tel", "tel"))}
                        {draft_field(state, errors, "email", |l| td_string!(l, apply.email), |d| &d.email, |d, v| d.email = v, ("email", "email"))}
                        {draft_field(state, errors, "phone", |l| td_string!(l, apply.phone), |d| &d.phone, |d, v| d.phone = v, ("tel", "tel"))}
                        {draft_field(state, errors, "contact_name", |l| td_string!(l, apply.contact_name), |d| &d.contact_name, |d, v| d.contact_name = v, ("text", "name"))}
                        {draft_field(state, errors, "contact_phone", |l| td_string!(l, apply.contact_phone), |d| &d.contact_phone, |d, v| d.contact_phone = v, ("tel", "tel"))}
                        {draft_field(state, errors, "address", |l| td_string!(l, apply.address), |d| &d.address, |d, v| d.address = v, ("text", "street-address"))}
                        <div class="actions">
                            <button type="submit" class="button button--primary" prop:disabled=move || busy.get()>
                                {tr(i18n, |l| td_string!(l, apply.next))}
                            </button>
                        </div>
                    </form>
                }
                .into_any()
            })}
        </PageShell>
    }
}

/// The new card as it will be printed: photo, name, school, card type.
#[component]
fn CardPreview(
    #[prop(into)] name: String,
    #[prop(into)] school: String,
    #[prop(into)] card_type: Signal<String>,
    /// The live crop canvas, when cropping; else the stored photo.
    #[prop(optional)]
    canvas: Option<NodeRef<leptos::html::Canvas>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let state = ApplyState::use_state();
    view! {
        <figure class="card-preview" aria-labelledby="card-preview-caption">
            <div class="card-preview__card">
                <div class="card-preview__band">{move || card_type.get()}</div>
                <div class="card-preview__body">
                    <div class="card-preview__photo">
                        {match canvas {
                            Some(node) => view! { <canvas node_ref=node width="230" height="288" aria-hidden="true"></canvas> }.into_any(),
                            None => view! {
                                {move || match state.photo_url.get() {
                                    Some(src) => view! { <img src=src width="230" height="288"
                                        alt=move || td_string!(i18n.get_locale(), apply.photo_alt).to_string() /> }.into_any(),
                                    None => view! { <span class="card-preview__placeholder">{tr(i18n, |l| td_string!(l, apply.photo))}</span> }.into_any(),
                                }}
                            }.into_any(),
                        }}
                    </div>
                    <dl class="card-preview__facts">
                        <dt>{tr(i18n, |l| td_string!(l, apply.name))}</dt><dd class="card-preview__name">{name}</dd>
                        <dt>{tr(i18n, |l| td_string!(l, apply.school))}</dt><dd>{school}</dd>
                    </dl>
                </div>
            </div>
            <figcaption id="card-preview-caption">{tr(i18n, |l| td_string!(l, apply.preview_caption))}</figcaption>
        </figure>
    }
}

fn chosen_type_name(state: ApplyState) -> Signal<String> {
    let i18n = use_i18n();
    Signal::derive(move || {
        let code = state.draft.with(|d| d.card_type.clone());
        state
            .loaded()
            .and_then(|o| o.card_types.into_iter().find(|t| t.code == code))
            .map(|t| pick(i18n.get_locale(), &t.name_zh, &t.name_en))
            .unwrap_or_default()
    })
}

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
struct Cropping {
    #[cfg(feature = "csr")]
    img: web_sys::HtmlImageElement,
    #[cfg(feature = "csr")]
    url: String,
}

#[component]
fn PhotoForm(overview: ApplyOverview) -> impl IntoView {
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
                        super::photo_crop::browser::draw(&canvas, &p.img, &c);
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
                match super::photo_crop::browser::load(&file).await {
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
                use super::photo_crop::browser;
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

/// Step 5 «卡片領卡資訊».
#[component]
pub fn DeliveryStep() -> impl IntoView {
    let i18n = use_i18n();
    let state = ApplyState::use_state();
    state.ensure_loaded();
    require_applicant(state);
    let errors = RwSignal::new(FieldErrors::new());
    let form_error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let title =
        Signal::derive(move || td_string!(i18n.get_locale(), apply.delivery_title).to_string());
    let summary = summary_of(i18n, errors);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save_step(
            state,
            ApplyStep::Delivery,
            errors,
            form_error,
            busy,
            "/card/apply/confirm",
        );
    };
    let same_as_applicant = move |_| {
        state.draft.update(|d| {
            if d.recipient_address.trim().is_empty() {
                d.recipient_address = d.address.clone();
            }
            if d.recipient_phone.trim().is_empty() {
                d.recipient_phone = d.mobile.clone();
            }
            if d.recipient_email.trim().is_empty() {
                d.recipient_email = d.email.clone();
            }
        });
    };
    view! {
        <PageShell>
            <StepHeader step=5 total=TOTAL title=title back_href="/card/apply/photo" />
            <p class="wizard-name">{tr(i18n, |l| td_string!(l, common.wizard_apply))}</p>
            {gate(i18n, state, move |o| {
                let school = o.applicant.school_name.clone();
                view! {
                    <ErrorSummary items=summary />
                    <FormAlert message=form_error />
                    <form class="form" novalidate on:submit=submit>
                        <fieldset class="fieldset">
                            <legend>{tr(i18n, |l| td_string!(l, apply.delivery_question))}</legend>
                            <label class="radio radio--rich">
                                <input type="radio" name="delivery"
                                    prop:checked=move || state.draft.with(|d| d.delivery == Delivery::Mail)
                                    on:change=move |_| state.draft.update(|d| d.delivery = Delivery::Mail) />
                                <span><strong>{tr(i18n, |l| td_string!(l, apply.delivery_mail))}</strong>
                                    <span class="radio__hint">{tr(i18n, |l| td_string!(l, apply.delivery_mail_hint))}</span></span>
                            </label>
                            <label class="radio radio--rich">
                                <input type="radio" name="delivery"
                                    prop:checked=move || state.draft.with(|d| d.delivery == Delivery::School)
                                    on:change=move |_| state.draft.update(|d| d.delivery = Delivery::School) />
                                <span><strong>{tr(i18n, |l| td_string!(l, apply.delivery_school))}</strong>
                                    <span class="radio__hint">{move || td_string!(i18n.get_locale(), apply.delivery_school_hint, school = school.clone()).to_string()}</span></span>
                            </label>
                        </fieldset>
                        <button type="button" class="button button--link" on:click=same_as_applicant>
                            {tr(i18n, |l| td_string!(l, apply.same_as_applicant))}
                        </button>
                        {draft_field(state, errors, "recipient_name", |l| td_string!(l, apply.recipient_name), |d| &d.recipient_name, |d, v| d.recipient_name = v, ("text", "name"))}
                        <Show when=move || state.draft.with(|d| d.delivery == Delivery::Mail)>
                            {draft_field(state, errors, "recipient_address", |l| td_string!(l, apply.recipient_address), |d| &d.recipient_address, |d, v| d.recipient_address = v, ("text", "street-address"))}
                        </Show>
                        {draft_field(state, errors, "recipient_phone", |l| td_string!(l, apply.recipient_phone), |d| &d.recipient_phone, |d, v| d.recipient_phone = v, ("tel", "tel"))}
                        {draft_field(state, errors, "recipient_email", |l| td_string!(l, apply.recipient_email), |d| &d.recipient_email, |d, v| d.recipient_email = v, ("email", "email"))}
                        <div class="actions">
                            <button type="submit" class="button button--primary" prop:disabled=move || busy.get()>
                                {tr(i18n, |l| td_string!(l, apply.next))}
                            </button>
                        </div>
                    </form>
                }
                .into_any()
            })}
        </PageShell>
    }
}

fn fact(label: String, value: String) -> impl IntoView {
    view! { <div><dt>{label}</dt><dd>{value}</dd></div> }
}

/// Step 6: everything once more, the fee, the warning and «確認資料無誤送出申請».
#[component]
pub fn ConfirmStep() -> impl IntoView {
    let i18n = use_i18n();
    let state = ApplyState::use_state();
    state.ensure_loaded();
    require_applicant(state);
    if state.idempotency_key.get_untracked().is_none() {
        state.idempotency_key.set(Some(new_idempotency_key()));
    }
    let errors = RwSignal::new(FieldErrors::new());
    let form_error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let title =
        Signal::derive(move || td_string!(i18n.get_locale(), apply.confirm_title).to_string());
    let summary = summary_of(i18n, errors);
    let navigate = use_navigate();
    let submit = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        form_error.set(None);
        let input = ApplyInput {
            draft: state.draft.get_untracked(),
            idempotency_key: state.idempotency_key.get_untracked().unwrap_or_default(),
        };
        let navigate = navigate.clone();
        spawn_local(async move {
            // A lost answer is sent again with the same key: the server answers with
            // the first application, never a second one.
            let mut result = submit_application(input.clone()).await;
            if matches!(result, Err(AppError::Transport(_))) {
                result = submit_application(input).await;
            }
            match result {
                Ok(receipt) => {
                    state.receipt.set(Some(receipt));
                    state.idempotency_key.set(None);
                    navigate("/card/apply/done", Default::default());
                }
                Err(AppError::Validation(f)) => errors.set(f),
                Err(AppError::Conflict(_)) => form_error.set(Some(
                    td_string!(i18n.get_locale_untracked(), apply.err_conflict).to_string(),
                )),
                Err(e) => form_error.set(Some(form_error_text(i18n.get_locale_untracked(), &e))),
            }
            busy.set(false);
        });
    };
    view! {
        <PageShell>
            <StepHeader step=6 total=TOTAL title=title back_href="/card/apply/delivery" />
            <p class="wizard-name">{tr(i18n, |l| td_string!(l, common.wizard_apply))}</p>
            {gate(i18n, state, move |o| {
                let locale = i18n.get_locale();
                let d = state.draft.get();
                let t = o.card_types.iter().find(|t| t.code == d.card_type).cloned();
                let fee = t.as_ref().map_or(0, |t| t.fee);
                let type_name = t.as_ref().map(|t| pick(locale, &t.name_zh, &t.name_en)).unwrap_or_default();
                let opt = |s: &str| if s.trim().is_empty() { "—".to_string() } else { s.trim().to_string() };
                let delivery_address = match d.delivery {
                    Delivery::Mail => d.recipient_address.trim().to_string(),
                    Delivery::School => o.applicant.school_name.clone(),
                };
                view! {
                    <ErrorSummary items=summary />
                    <div class="warning-box" role="note">
                        <p><strong>"請務必確認資料正確，送出申請後無法再修改或取消"</strong></p>
                        {(locale == Locale::en).then(|| view! { <p lang="en">{td_string!(locale, apply.warning_en)}</p> })}
                    </div>
                    <CardPreview name=o.applicant.name.clone() school=o.applicant.school_name.clone() card_type=chosen_type_name(state) />
                    <section aria-labelledby="check-applicant">
                        <h2 id="check-applicant">{td_string!(locale, apply.applicant_title)}</h2>
                        <dl class="facts">
                            {fact(td_string!(locale, apply.card_type).into(), type_name)}
                            {fact(td_string!(locale, apply.reason).into(), reason_text(locale, d.reason).into())}
                            {(!d.reason_remark.trim().is_empty()).then(|| fact(td_string!(locale, apply.reason_remark).into(), d.reason_remark.trim().into()))}
                            {fact(td_string!(locale, apply.name).into(), o.applicant.name.clone())}
                            {fact(td_string!(locale, apply.id_no).into(), o.applicant.id_masked.clone())}
                            {fact(td_string!(locale, apply.mobile).into(), opt(&d.mobile))}
                            {fact(td_string!(locale, apply.email).into(), opt(&d.email))}
                            {fact(td_string!(locale, apply.phone).into(), opt(&d.phone))}
                            {fact(td_string!(locale, apply.contact_name).into(), opt(&d.contact_name))}
                            {fact(td_string!(locale, apply.contact_phone).into(), opt(&d.contact_phone))}
                            {fact(td_string!(locale, apply.address).into(), opt(&d.address))}
                        </dl>
                        <Link href="/card/apply/applicant" class="button button--link">{td_string!(locale, apply.change)}</Link>
                    </section>
                    <section aria-labelledby="check-delivery">
                        <h2 id="check-delivery">{td_string!(locale, apply.delivery_title)}</h2>
                        <dl class="facts">
                            {fact(td_string!(locale, apply.delivery_question).into(), match d.delivery {
                                Delivery::Mail => td_string!(locale, apply.delivery_mail),
                                Delivery::School => td_string!(locale, apply.delivery_school),
                            }.into())}
                            {fact(td_string!(locale, apply.recipient_name).into(), opt(&d.recipient_name))}
                            {fact(td_string!(locale, apply.recipient_address).into(), delivery_address)}
                            {fact(td_string!(locale, apply.recipient_phone).into(), opt(&d.recipient_phone))}
                            {fact(td_string!(locale, apply.recipient_email).into(), opt(&d.recipient_email))}
                        </dl>
                        <Link href="/card/apply/delivery" class="button button--link">{td_string!(locale, apply.change)}</Link>
                    </section>
                    <section class="fees" aria-labelledby="check-fee">
                        <h2 id="check-fee">{td_string!(locale, apply.fee_title)}</h2>
                        <dl class="fees__list">
                            <div class="fees__total"><dt>{td_string!(locale, apply.fee_total)}</dt><dd>{money(locale, fee)}</dd></div>
                        </dl>
                        <p class="hint">{td_string!(locale, apply.fee_deadline, days = o.deadline_days).to_string()}</p>
                    </section>
                    <FormAlert message=form_error />
                    <div class="actions">
                        <button id="submit" type="button" class="button button--primary" prop:disabled=move || busy.get() on:click=submit.clone()>
                            "確認資料無誤送出申請"
                        </button>
                    </div>
                    {move || busy.get().then(|| view! { <p class="loading" role="status">{tr(i18n, |l| td_string!(l, apply.sending))}</p> })}
                }
                .into_any()
            })}
        </PageShell>
    }
}

/// Step 7 «卡片送交印卡中心»: the amount, recipient, deadline and the slip.
#[component]
pub fn DoneStep() -> impl IntoView {
    let i18n = use_i18n();
    let state = ApplyState::use_state();
    let loaded = RwSignal::new(state.receipt.get_untracked().is_some());
    if !loaded.get_untracked() {
        spawn_local(async move {
            if let Ok(Some(r)) = load_last_application_receipt().await {
                state.receipt.set(Some(r));
            }
            loaded.set(true);
        });
    }
    let title = Signal::derive(move || "卡片送交印卡中心".to_string());
    view! {
        <PageShell>
            <StepHeader step=7 total=TOTAL title=title />
            {move || match (loaded.get(), state.receipt.get()) {
                (false, _) => loading_view(i18n),
                (true, None) => view! {
                    <div class="form-alert" role="alert">{tr(i18n, |l| td_string!(l, common.session_expired))}</div>
                    <Link href="/card/query/consent" class="button button--primary">{tr(i18n, |l| td_string!(l, common.wizard_query))}</Link>
                }.into_any(),
                (true, Some(r)) => {
                    let locale = i18n.get_locale();
                    let slip_href = format!("/card/slip/{}", r.serial_no);
                    view! {
                        <div class="notice notice--ok" role="status">
                            <p>{td_string!(locale, apply.done_lead, serial = r.serial_no.clone()).to_string()}</p>
                        </div>
                        <dl class="facts facts--large">
                            {fact(td_string!(locale, apply.serial_no).into(), r.serial_no.clone())}
                            {fact(td_string!(locale, apply.card_type).into(), pick(locale, &r.card_type_zh, &r.card_type_en))}
                            {fact(td_string!(locale, apply.fee_total).into(), money(locale, r.amount))}
                            {fact(td_string!(locale, apply.recipient_name).into(), r.recipient_name.clone())}
                            {fact(td_string!(locale, apply.recipient_address).into(), r.recipient_address.clone())}
                            {fact(td_string!(locale, apply.deadline).into(), iso_date(r.due_on))}
                            {fact(td_string!(locale, apply.payment_no).into(), r.payment_no.clone())}
                        </dl>
                        <p>{td_string!(locale, apply.done_next)}</p>
                        <div class="actions">
                            <Link href=slip_href class="button button--primary">"下載繳費單"</Link>
                            <Link href="/" class="button button--secondary">{td_string!(locale, common.back_home)}</Link>
                        </div>
                    }
                    .into_any()
                }
            }}
        </PageShell>
    }
}

/// «繳費單»: a printable A4 page with two stubs, the three convenience-store
/// barcodes, the ATM account and a QR code.
#[component]
pub fn SlipPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let serial = params.with_untracked(|p| p.get("serial").unwrap_or_default());
    let slip = load_once(move || load_payment_slip(serial));
    set_title(move || td_string!(i18n.get_locale(), apply.slip_title).to_string());
    let print = move |_| {
        #[cfg(feature = "csr")]
        if let Some(w) = web_sys::window() {
            let _ = w.print();
        }
    };
    view! {
        <PageShell>
            {move || match slip.get() {
                None => loading_view(i18n),
                Some(Err(AppError::Unauthorized)) => view! {
                    <h1>{tr(i18n, |l| td_string!(l, apply.slip_title))}</h1>
                    <div class="form-alert" role="alert">{tr(i18n, |l| td_string!(l, common.session_expired))}</div>
                    <Link href="/card/query/consent" class="button button--primary">{tr(i18n, |l| td_string!(l, common.wizard_query))}</Link>
                }.into_any(),
                Some(Err(e)) => view! {
                    <h1>{tr(i18n, |l| td_string!(l, apply.slip_title))}</h1>
                    <div class="form-alert" role="alert">{form_error_text(i18n.get_locale(), &e)}</div>
                }.into_any(),
                Some(Ok(s)) => view! { <Slip slip=s print=Callback::new(print) /> }.into_any(),
            }}
        </PageShell>
    }
}

#[component]
fn Slip(slip: PaymentSlip, print: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let s = slip;
    let facts = {
        let s = s.clone();
        move || {
            let locale = i18n.get_locale();
            view! {
                <dl class="slip__facts">
                    {fact(td_string!(locale, apply.slip_payer).into(), format!("{}（{}）", s.payer, s.school_name))}
                    {fact(td_string!(locale, apply.slip_item).into(), pick(locale, &s.item_zh, &s.item_en))}
                    {fact(td_string!(locale, apply.fee_total).into(), money(locale, s.amount))}
                    {fact(td_string!(locale, apply.deadline).into(), iso_date(s.due_on))}
                    {fact("繳款編號".into(), s.payment_no.clone())}
                    {fact(td_string!(locale, apply.slip_payee).into(), pick(locale, &s.payee_zh, &s.payee_en))}
                </dl>
            }
        }
    };
    let facts2 = facts.clone();
    view! {
        <div class="slip-toolbar no-print">
            <h1>{tr(i18n, |l| td_string!(l, apply.slip_title))}</h1>
            {s.paid.then(|| view! { <p class="notice notice--ok" role="status">{tr(i18n, |l| td_string!(l, apply.slip_paid))}</p> })}
            <p class="hint">{tr(i18n, |l| td_string!(l, apply.slip_hint))}</p>
            <button type="button" class="button button--primary" on:click=move |_| print.run(())>
                {tr(i18n, |l| td_string!(l, apply.print))}
            </button>
        </div>
        <div class="slip">
            <section class="slip__stub" aria-labelledby="stub-1">
                <h2 id="stub-1">"第一聯：本聯由收款單位留存"</h2>
                {facts}
                <div class="slip__barcodes">
                    <h3>{tr(i18n, |l| td_string!(l, apply.slip_store))}</h3>
                    {s.barcodes.iter().enumerate().map(|(i, b)| view! {
                        <figure class="barcode">
                            <div class="barcode__image" role="img"
                                aria-label=format!("{} {}", td_string!(locale, apply.slip_barcode, n = i + 1), b.text)
                                inner_html=b.svg.clone()></div>
                            <figcaption class="mono">{b.text.clone()}</figcaption>
                        </figure>
                    }).collect_view()}
                </div>
            </section>
            <div class="slip__cut" aria-hidden="true"></div>
            <section class="slip__stub" aria-labelledby="stub-2">
                <h2 id="stub-2">"第二聯：客戶收執聯"</h2>
                {facts2}
                <div class="slip__other">
                    <div class="slip__atm">
                        <h3>{tr(i18n, |l| td_string!(l, apply.slip_atm))}</h3>
                        <dl class="slip__facts">
                            {fact(td_string!(locale, apply.slip_bank).into(), s.atm_bank.clone())}
                            {fact("轉帳帳號".into(), s.atm_account.clone())}
                        </dl>
                        <p class="hint">{tr(i18n, |l| td_string!(l, apply.slip_atm_hint))}</p>
                    </div>
                    <figure class="slip__qr">
                        <div class="qr" role="img" aria-label=td_string!(locale, apply.slip_qr).to_string() inner_html=s.qr_svg.clone()></div>
                        <figcaption>{tr(i18n, |l| td_string!(l, apply.slip_qr))}</figcaption>
                    </figure>
                </div>
            </section>
        </div>
    }
}

/// The holder's applications with their timelines (on the query page).
#[component]
pub fn ApplicationList(applications: Vec<ApplicationSummary>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <ul class="application-list">
            {applications.into_iter().map(|a| {
                let status = a.status;
                let slip_href = format!("/card/slip/{}", a.serial_no);
                let unpaid = status == ApplicationStatus::AwaitingPayment;
                let reason = a.return_reason.clone();
                view! {
                    <li class="application">
                        <div class="card-item__head">
                            <h3 class="card-item__title">{move || pick(i18n.get_locale(), &a.card_type_zh, &a.card_type_en)}</h3>
                            <StatusChip text=Signal::derive(move || status_label(i18n.get_locale(), status).to_string()) tone=status_tone(status) />
                        </div>
                        <dl class="card-item__facts">
                            <div><dt>{tr(i18n, |l| td_string!(l, apply.serial_no))}</dt><dd class="mono">{a.serial_no.clone()}</dd></div>
                            <div><dt>{tr(i18n, |l| td_string!(l, query.col_applied))}</dt><dd>{iso_date(a.applied_on)}</dd></div>
                            <div><dt>{tr(i18n, |l| td_string!(l, apply.fee_total))}</dt><dd>{move || money(i18n.get_locale(), a.amount)}</dd></div>
                            <div><dt>{tr(i18n, |l| td_string!(l, apply.deadline))}</dt><dd>{iso_date(a.due_on)}</dd></div>
                            {a.paid_on.map(|p| view! { <div><dt>{tr(i18n, |l| td_string!(l, query.col_paid))}</dt><dd>{iso_date(p)}</dd></div> })}
                        </dl>
                        {reason.map(|r| view! { <p class="card-item__note">{tr(i18n, |l| td_string!(l, apply.return_reason))}"："{r}</p> })}
                        <ol class="timeline" aria-label=move || td_string!(i18n.get_locale(), apply.timeline).to_string()>
                            {a.timeline.into_iter().map(|step| {
                                let done = step.at.is_some();
                                let s = step.status;
                                view! {
                                    <li class="timeline__step" class:timeline__step--done=done
                                        class:timeline__step--current=move || s == status>
                                        <span class="timeline__label">{move || status_label(i18n.get_locale(), s)}</span>
                                        {step.at.map(|t| view! { <span class="timeline__time">{taiwan_date_time(t)}</span> })}
                                        {step.note.filter(|_| s == ApplicationStatus::Returned).map(|n| view! { <span class="timeline__note">{n}</span> })}
                                    </li>
                                }
                            }).collect_view()}
                        </ol>
                        {unpaid.then(|| view! {
                            <div class="actions actions--inline">
                                <Link href=slip_href class="button button--secondary">"下載繳費單"</Link>
                            </div>
                        })}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}
