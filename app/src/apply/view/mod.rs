//! The apply wizard's steps after verification: applicant (3), headshot (4), delivery
//! (5), check and submit (6), result (7); the payment slip; and the applications list
//! of the query page.

use super::api::{
    load_apply_overview, load_last_application_receipt, load_payment_slip, save_apply_draft,
    start_line_pay, submit_application,
};
use super::photo_crop::Crop;
use super::{
    ApplicationReason, ApplicationReceipt, ApplyBlock, ApplyDraft, ApplyInput, ApplyOverview,
    ApplyStep, Delivery, PaymentSlip,
};
use crate::domain::dates::{iso_date, roc_year};
use crate::error::{AppError, FieldErrors};
use crate::holder::view::{money, pick};
use crate::i18n::*;
use crate::ui::{
    ErrorSummary, FormAlert, Link, PageShell, StepHeader, SummaryItem, TextField, form_error_text,
    labelled, load_once, set_title, tr,
};
use crate::wizard::view::new_idempotency_key;
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
        let state = ApplyState {
            overview: RwSignal::new(None),
            draft: RwSignal::new(ApplyDraft::default()),
            photo_url: RwSignal::new(None),
            idempotency_key: RwSignal::new(None),
            receipt: RwSignal::new(None),
        };
        provide_context(state);
        state.keep_changes();
    }

    /// Keeps each change of the draft on the server half a second after the last one
    /// (unchecked), once the draft has been loaded from it: a reload or a restart in
    /// the middle of a step loses nothing typed.
    fn keep_changes(self) {
        let generation = StoredValue::new(0u64);
        let last = StoredValue::new(None::<ApplyDraft>);
        Effect::new(move |_| {
            let draft = self.draft.get();
            if !self.overview.with(|o| matches!(o, Some(Ok(_)))) {
                return;
            }
            if last.with_value(Option::is_none) {
                // The draft just loaded: nothing new to keep.
                last.set_value(Some(draft));
                return;
            }
            if last.with_value(|l| l.as_ref() == Some(&draft)) {
                return;
            }
            generation.update_value(|g| *g += 1);
            let mine = generation.get_value();
            spawn_local(async move {
                #[cfg(feature = "csr")]
                gloo_timers::future::TimeoutFuture::new(500).await;
                if generation.get_value() == mine
                    && super::api::keep_apply_draft(draft.clone()).await.is_ok()
                {
                    last.set_value(Some(draft));
                }
            });
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
        "card_in_use" => td_string!(locale, apply.err_card_in_use),
        _ => td_string!(locale, apply.err_required),
    }
}

fn field_label(locale: Locale, field: &str) -> &'static str {
    match field {
        "card_type" => td_string!(locale, apply.card_type),
        "reason" => td_string!(locale, apply.reason),
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
        "reason" => "reason",
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
                    message: labelled(locale, field_label(locale, f), field_text(locale, code)),
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
    // The fields `ApplyDraft::step_errors` lets stay empty («申請原因說明» is asked
    // for only with the reason «其他», and then its error names it).
    let optional = matches!(
        field,
        "email" | "phone" | "contact_name" | "contact_phone" | "recipient_email" | "reason_remark"
    );
    view! {
        <TextField id=field_id(field) label=label optional=optional
            value=Signal::derive(move || state.draft.with(|d| get(d).clone()))
            on_input=Callback::new(move |v: String| {
                state.draft.update(|d| set(d, v));
                errors.update(|e| { e.remove(field); });
            })
            error=error_of(i18n, errors, field)
            input_type=input_type inputmode=inputmode autocomplete=autocomplete maxlength=120 />
    }
}

fn reason_text(locale: Locale, r: ApplicationReason) -> &'static str {
    match r {
        ApplicationReason::Lost => td_string!(locale, apply.reason_lost),
        ApplicationReason::Damaged => td_string!(locale, apply.reason_damaged),
        ApplicationReason::ReportedLost => td_string!(locale, apply.reason_reported_lost),
        ApplicationReason::Other => td_string!(locale, apply.reason_other),
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
            // A card in use blocks only the reasons that need it stopped: step 3 says so.
            Some(ApplyBlock::ActiveCard { .. }) | None => content(o),
        },
    }
    }
}

/// Sends to step 3 when a later step is opened before the earlier ones are done.
fn require_applicant(state: ApplyState) {
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(o)) = state.overview.get()
            && o.block.as_ref().is_none_or(|b| !b.blocks_every_reason())
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

fn fact(label: String, value: String) -> impl IntoView {
    view! { <div><dt>{label}</dt><dd>{value}</dd></div> }
}

mod applicant;
mod barcode_view;
mod confirm;
mod delivery;
mod done;
mod photo;
mod slip;

pub use applicant::*;
use barcode_view::BarcodeViewer;
pub use confirm::*;
pub use delivery::*;
pub use done::*;
pub use photo::*;
pub use slip::*;
