//! The stop wizard's steps after verification: cards (3), refund (4), check and
//! submit (5), result (6).

use super::api::{load_last_stop_receipt, load_stop_overview, lock_card, submit_stop, unlock_card};
use super::step_up_view::StepUpCode;
use super::{
    BankDetails, ChequeDetails, RefundChoice, StopCardRow, StopOverview, StopReceipt,
    StopRequestInput,
};
use crate::domain::dates::{iso_date, taiwan_date_time, taiwan_hh_mm_dated};
use crate::domain::refund::{BANKS, estimate};
use crate::error::{AppError, FieldErrors};
use crate::holder::CardStatus;
use crate::holder::view::{card_status_text as status_text, card_status_tone as status_tone};
use crate::i18n::*;
use crate::ui::Link;
use crate::ui::choice_text;
use crate::ui::{
    ErrorSummary, FormAlert, PageShell, RadioCard, StatusChip, StepHeader, SummaryItem, TextField,
    form_error_text, labelled, load_once, tr,
};
use crate::wizard::view::new_idempotency_key;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::NavigateOptions;
use leptos_router::hooks::use_navigate;

const TOTAL: u8 = 6;

/// What the parent chose so far, kept in memory above the router (never in browser
/// storage: it holds a bank account number).
#[derive(Clone, Copy)]
pub struct StopDraft {
    pub overview: RwSignal<Option<StopOverview>>,
    pub card_ref: RwSignal<Option<String>>,
    pub wants_refund: RwSignal<bool>,
    /// «掛失並將餘額轉入新卡» chosen.
    pub transfer: RwSignal<bool>,
    pub method: RwSignal<RefundChoice>,
    pub bank: RwSignal<BankDetails>,
    pub cheque: RwSignal<ChequeDetails>,
    pub code: RwSignal<String>,
    pub idempotency_key: RwSignal<Option<String>>,
    /// The draft has been matched with the one kept on the server (after a reload:
    /// loaded back), so changes may now be kept there.
    pub synced: RwSignal<bool>,
    /// Loaded back after a reload: the account number and the address, never kept,
    /// are asked for again.
    pub restored: RwSignal<bool>,
}

impl StopDraft {
    pub fn provide() {
        let draft = StopDraft {
            overview: RwSignal::new(None),
            card_ref: RwSignal::new(None),
            wants_refund: RwSignal::new(false),
            transfer: RwSignal::new(false),
            method: RwSignal::new(RefundChoice::BankTransfer),
            bank: RwSignal::new(BankDetails::default()),
            cheque: RwSignal::new(ChequeDetails::default()),
            code: RwSignal::new(String::new()),
            idempotency_key: RwSignal::new(None),
            synced: RwSignal::new(false),
            restored: RwSignal::new(false),
        };
        provide_context(draft);
        super::draft_sync::keep_changes(draft);
    }

    pub fn use_draft() -> Self {
        use_context::<StopDraft>().unwrap_or_else(|| {
            Self::provide();
            expect_context::<StopDraft>()
        })
    }

    fn choice(&self) -> RefundChoice {
        if self.transfer.get() {
            RefundChoice::TransferToNewCard
        } else if self.wants_refund.get() {
            self.method.get()
        } else {
            RefundChoice::NoRefund
        }
    }

    fn card(&self) -> Option<StopCardRow> {
        let card_ref = self.card_ref.get()?;
        self.overview
            .get()?
            .cards
            .into_iter()
            .find(|c| c.card_ref == card_ref)
    }

    fn input(&self) -> Option<StopRequestInput> {
        let choice = self.choice();
        Some(StopRequestInput {
            card_ref: self.card_ref.get_untracked()?,
            choice,
            bank: (choice == RefundChoice::BankTransfer).then(|| self.bank.get_untracked()),
            cheque: (choice == RefundChoice::Cheque).then(|| self.cheque.get_untracked()),
            step_up_code: Some(self.code.get_untracked()).filter(|c| !c.trim().is_empty()),
            idempotency_key: self.idempotency_key.get_untracked().unwrap_or_default(),
        })
    }

    /// Forgets the stop in progress (after the result, or on starting again).
    pub fn clear(&self) {
        self.card_ref.set(None);
        self.wants_refund.set(false);
        self.transfer.set(false);
        self.method.set(RefundChoice::BankTransfer);
        self.bank.set(BankDetails::default());
        self.cheque.set(ChequeDetails::default());
        self.code.set(String::new());
        self.idempotency_key.set(None);
    }
}

/// «預估退款», or for a transfer «轉入新卡金額».
fn amount_label(locale: Locale, choice: RefundChoice) -> &'static str {
    if choice == RefundChoice::TransferToNewCard {
        td_string!(locale, stop.transfer_amount)
    } else {
        td_string!(locale, stop.refund_amount)
    }
}

fn field_text(locale: Locale, code: &str) -> &'static str {
    match code {
        "unknown_bank" => td_string!(locale, stop.err_unknown_bank),
        "branch" => td_string!(locale, stop.err_branch),
        "account" => td_string!(locale, stop.err_account),
        "postal_code" => td_string!(locale, stop.err_postal_code),
        "address" => td_string!(locale, stop.err_address),
        "wrong" => td_string!(locale, stop.err_code_wrong),
        "expired" => td_string!(locale, stop.err_code_expired),
        "reused" => td_string!(locale, stop.err_reused),
        _ => td_string!(locale, stop.err_required),
    }
}

fn field_label(locale: Locale, field: &str) -> &'static str {
    match field {
        "bank_code" => td_string!(locale, stop.bank),
        "branch_code" => td_string!(locale, stop.branch),
        "account_no" => td_string!(locale, stop.account),
        "postal_code" => td_string!(locale, stop.postal_code),
        "address" => td_string!(locale, stop.address),
        "idempotency_key" => td_string!(locale, stop.submit),
        _ => td_string!(locale, stop.code_label),
    }
}

fn field_id(field: &str) -> &'static str {
    match field {
        "bank_code" => "bank-code",
        "branch_code" => "branch-code",
        "account_no" => "account-no",
        "postal_code" => "postal-code",
        "address" => "address",
        _ => "step-up-code",
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

fn money(locale: Locale, amount: i32) -> String {
    td_string!(locale, stop.amount, amount = amount).to_string()
}

fn expired_view(i18n: leptos_i18n::I18nContext<Locale>) -> AnyView {
    view! {
        <div class="form-alert" role="alert">{tr(i18n, |l| td_string!(l, common.session_expired))}</div>
        <Link href="/card/stop/consent" class="button button--primary">{tr(i18n, |l| td_string!(l, common.start_over))}</Link>
    }
    .into_any()
}

/// Later steps need the chosen card. After a reload the overview and the draft kept
/// on the server are loaded back first; without a card the list opens. Returns
/// whether that check is done.
fn require_card(draft: StopDraft) -> RwSignal<bool> {
    let navigate = use_navigate();
    let checked = RwSignal::new(draft.synced.get_untracked() && draft.card().is_some());
    if !checked.get_untracked() {
        spawn_local(async move {
            super::draft_sync::restore(draft).await;
            checked.set(true);
        });
    }
    Effect::new(move |_| {
        if checked.get() && draft.card().is_none() {
            navigate(
                "/card/stop/cards",
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
    });
    checked
}

/// Step 3: the holder's cards, with stop and temporary lock.
#[component]
pub fn StopCardsStep() -> impl IntoView {
    let i18n = use_i18n();
    let draft = StopDraft::use_draft();
    let loaded = load_once(load_stop_overview);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // After a reload, the kept choices come back, so choosing the same card keeps them.
    spawn_local(super::draft_sync::restore(draft));
    Effect::new(move |_| {
        if let Some(Ok(o)) = loaded.get() {
            draft.overview.set(Some(o));
        }
    });
    let title = Signal::derive(move || td_string!(i18n.get_locale(), stop.cards_title).to_string());
    let navigate = use_navigate();

    let toggle_lock = move |card_ref: String, lock: bool| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let r = if lock {
                lock_card(card_ref).await
            } else {
                unlock_card(card_ref).await
            };
            match r {
                Ok(o) => draft.overview.set(Some(o)),
                Err(AppError::Conflict(_)) => error.set(Some(
                    td_string!(i18n.get_locale_untracked(), stop.err_conflict).to_string(),
                )),
                Err(e) => error.set(Some(form_error_text(i18n.get_locale_untracked(), &e))),
            }
            busy.set(false);
        });
    };
    let choose = move |card_ref: String| {
        if draft.card_ref.get_untracked().as_deref() != Some(card_ref.as_str()) {
            draft.clear();
        }
        draft.card_ref.set(Some(card_ref));
        draft.synced.set(true);
        navigate("/card/stop/refund", Default::default());
    };

    view! {
        <PageShell>
            <StepHeader step=3 total=TOTAL title=title back_href="/card/stop/verify" />
            <p class="wizard-name">{tr(i18n, |l| td_string!(l, common.wizard_stop))}</p>
            <FormAlert message=error />
            {move || match (loaded.get(), draft.overview.get()) {
                (Some(Err(AppError::Unauthorized)), _) => expired_view(i18n),
                (Some(Err(e)), _) => view! {
                    <div class="form-alert" role="alert">{form_error_text(i18n.get_locale(), &e)}</div>
                }.into_any(),
                (_, Some(o)) => {
                    let cards = o.cards.clone();
                    let any_stoppable = cards.iter().any(|c| c.status != CardStatus::Stopped);
                    view! {
                        <dl class="holder__facts">
                            <div><dt>{tr(i18n, |l| td_string!(l, query.holder))}</dt><dd>{o.masked_name.clone()}</dd></div>
                            <div><dt>{tr(i18n, |l| td_string!(l, query.school))}</dt><dd>{o.school_name.clone()}</dd></div>
                            <div><dt>{tr(i18n, |l| td_string!(l, query.class))}</dt><dd>{o.class_name.clone()}</dd></div>
                        </dl>
                        <section class="explainer" aria-labelledby="difference-title">
                            <h2 id="difference-title">{tr(i18n, |l| td_string!(l, stop.difference_title))}</h2>
                            <p>{tr(i18n, |l| td_string!(l, stop.difference_lock))}</p>
                            <p>{tr(i18n, |l| td_string!(l, stop.difference_stop))}</p>
                        </section>
                        <h2>{tr(i18n, |l| td_string!(l, query.cards_title))}</h2>
                        {(!any_stoppable).then(|| view! {
                            <p class="empty">{tr(i18n, |l| td_string!(l, stop.no_active_card))}</p>
                        })}
                        <ul class="card-list">
                            {cards.into_iter().map(|c| {
                                let status = c.status;
                                let r_stop = c.card_ref.clone();
                                let r_lock = c.card_ref.clone();
                                let type_zh = c.card_type_zh.clone();
                                let type_en = c.card_type_en.clone();
                                let balance = c.balance;
                                let choose = choose.clone();
                                view! {
                                    <li class="card-item">
                                        <div class="card-item__head">
                                            <h3 class="card-item__title">
                                                {move || if i18n.get_locale() == Locale::en { type_en.clone() } else { type_zh.clone() }}
                                            </h3>
                                            <StatusChip text=Signal::derive(move || status_text(i18n.get_locale(), status).to_string())
                                                tone=status_tone(status) />
                                        </div>
                                        <dl class="card-item__facts">
                                            <div><dt>{tr(i18n, |l| td_string!(l, query.col_outer))}</dt><dd class="mono">{c.outer_no_masked.clone()}</dd></div>
                                            <div><dt>{tr(i18n, |l| td_string!(l, stop.col_balance))}</dt><dd>{move || money(i18n.get_locale(), balance)}</dd></div>
                                            <div><dt>{tr(i18n, |l| td_string!(l, query.col_applied))}</dt><dd>{iso_date(c.applied_on)}</dd></div>
                                        </dl>
                                        {match status {
                                            CardStatus::Stopped => view! {
                                                <p class="card-item__note">
                                                    {c.stopped_at.map(|t| view! {
                                                        <span class="cell-note">{tr(i18n, |l| td_string!(l, query.stopped_at))}" "{taiwan_date_time(t)}</span>
                                                    })}
                                                    {tr(i18n, |l| td_string!(l, stop.already_stopped))}
                                                </p>
                                            }.into_any(),
                                            _ => view! {
                                                {(status == CardStatus::Locked).then(|| view! {
                                                    <p class="card-item__note">{tr(i18n, |l| td_string!(l, stop.locked_note))}</p>
                                                })}
                                                <div class="actions actions--inline">
                                                    <button type="button" class="button button--danger"
                                                        on:click=move |_| choose(r_stop.clone())>
                                                        {tr(i18n, |l| td_string!(l, stop.stop_button))}
                                                    </button>
                                                    {if status == CardStatus::Locked {
                                                        view! {
                                                            <button type="button" class="button button--secondary" prop:disabled=move || busy.get()
                                                                on:click=move |_| toggle_lock(r_lock.clone(), false)>
                                                                {tr(i18n, |l| td_string!(l, stop.unlock_button))}
                                                            </button>
                                                        }.into_any()
                                                    } else {
                                                        view! {
                                                            <button type="button" class="button button--secondary" prop:disabled=move || busy.get()
                                                                on:click=move |_| toggle_lock(r_lock.clone(), true)>
                                                                {tr(i18n, |l| td_string!(l, stop.lock_button))}
                                                            </button>
                                                        }.into_any()
                                                    }}
                                                </div>
                                            }.into_any(),
                                        }}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }
                _ => view! { <p class="loading" role="status">{tr(i18n, |l| td_string!(l, common.loading))}</p> }.into_any(),
            }}
        </PageShell>
    }
}

/// The fees and the refund estimate for the current choice.
#[component]
fn FeeSummary(draft: StopDraft) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        let (Some(o), Some(card)) = (draft.overview.get(), draft.card()) else {
            return ().into_any();
        };
        let locale = i18n.get_locale();
        let choice = draft.choice();
        let est = estimate(card.balance, choice, o.fees);
        let extra = match choice {
            RefundChoice::NoRefund | RefundChoice::TransferToNewCard => None,
            RefundChoice::BankTransfer => {
                Some((td_string!(locale, stop.fee_remittance), o.fees.remittance))
            }
            RefundChoice::Cheque => {
                Some((td_string!(locale, stop.fee_cheque), o.fees.cheque_postage))
            }
        };
        view! {
            <section class="fees" aria-labelledby="fees-title" aria-live="polite">
                <h2 id="fees-title">{td_string!(locale, stop.fees_title)}</h2>
                <dl class="fees__list">
                    <div><dt>{td_string!(locale, stop.balance)}</dt><dd>{money(locale, card.balance)}</dd></div>
                    <div><dt>{td_string!(locale, stop.fee_loss)}</dt><dd>{format!("− {}", money(locale, o.fees.loss))}</dd></div>
                    {extra.map(|(label, fee)| view! {
                        <div><dt>{label}</dt><dd>{format!("− {}", money(locale, fee))}</dd></div>
                    })}
                    {(choice != RefundChoice::NoRefund).then(|| view! {
                        <div class="fees__total"><dt>{amount_label(locale, choice)}</dt><dd>{money(locale, est.refund)}</dd></div>
                    })}
                </dl>
                {est.not_covered.then(|| view! { <p class="fees__warning">{td_string!(locale, stop.not_covered)}</p> })}
            </section>
        }
        .into_any()
    }
}

/// Step 4 «停卡/退費作業».
#[component]
pub fn StopRefundStep() -> impl IntoView {
    let i18n = use_i18n();
    let draft = StopDraft::use_draft();
    require_card(draft);
    let errors = RwSignal::new(FieldErrors::new());
    let navigate = use_navigate();
    let title =
        Signal::derive(move || td_string!(i18n.get_locale(), stop.refund_title).to_string());
    let summary = summary_of(i18n, errors);
    let err = move |field: &'static str| {
        Signal::derive(move || {
            errors.with(|e| {
                e.get(field)
                    .map(|c| field_text(i18n.get_locale(), c).to_string())
            })
        })
    };
    let holder_name = move || {
        draft
            .overview
            .get()
            .map(|o| o.masked_name)
            .unwrap_or_default()
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(input) = draft.input() else { return };
        let e = input.field_errors();
        errors.set(e.clone());
        if e.is_empty() {
            navigate("/card/stop/confirm", Default::default());
        }
    };

    view! {
        <PageShell>
            <StepHeader step=4 total=TOTAL title=title back_href="/card/stop/cards" />
            <p class="wizard-name">{tr(i18n, |l| td_string!(l, common.wizard_stop))}</p>
            <ErrorSummary items=summary />
            <Show when=move || draft.restored.get() && draft.wants_refund.get()>
                <p class="notice" role="status">{tr(i18n, |l| td_string!(l, stop.draft_restored))}</p>
            </Show>
            <form class="form" on:submit=submit novalidate=true>
                <fieldset class="field">
                    <legend class="field__label">{tr(i18n, |l| td_string!(l, stop.refund_question))}</legend>
                    <div class="radios">
                        <RadioCard name="refund" checked=Signal::derive(move || !draft.wants_refund.get() && !draft.transfer.get())
                            on_select=Callback::new(move |()| { draft.wants_refund.set(false); draft.transfer.set(false); errors.set(FieldErrors::new()); })
                            label=|l| td_string!(l, stop.no_refund) hint=|l| td_string!(l, stop.no_refund_hint) />
                        <RadioCard name="refund" checked=Signal::derive(move || draft.wants_refund.get() && !draft.transfer.get())
                            on_select=Callback::new(move |()| { draft.wants_refund.set(true); draft.transfer.set(false); })
                            label=|l| td_string!(l, stop.with_refund) hint=|l| td_string!(l, stop.with_refund_hint) />
                        <RadioCard name="refund" checked=Signal::derive(move || draft.transfer.get())
                            on_select=Callback::new(move |()| { draft.wants_refund.set(false); draft.transfer.set(true); errors.set(FieldErrors::new()); })
                            label=|l| td_string!(l, stop.with_transfer) hint=|l| td_string!(l, stop.with_transfer_hint) />
                    </div>
                </fieldset>

                <Show when=move || draft.wants_refund.get() && !draft.transfer.get()>
                    <fieldset class="field">
                        <legend class="field__label">{tr(i18n, |l| td_string!(l, stop.method_question))}</legend>
                        <div class="radios">
                            <RadioCard name="method" checked=Signal::derive(move || draft.method.get() == RefundChoice::BankTransfer)
                                on_select=Callback::new(move |()| draft.method.set(RefundChoice::BankTransfer))
                                label=|l| td_string!(l, stop.method_bank) hint=|l| td_string!(l, stop.method_bank_hint) />
                            <RadioCard name="method" checked=Signal::derive(move || draft.method.get() == RefundChoice::Cheque)
                                on_select=Callback::new(move |()| draft.method.set(RefundChoice::Cheque))
                                label=|l| td_string!(l, stop.method_cheque) hint=|l| td_string!(l, stop.method_cheque_hint) />
                        </div>
                    </fieldset>
                    <Show when=move || draft.method.get() == RefundChoice::BankTransfer
                        fallback=move || view! {
                            <TextField id="postal-code" label=|l| td_string!(l, stop.postal_code) hint=|l| td_string!(l, stop.postal_code_hint)
                                value=Signal::derive(move || draft.cheque.get().postal_code)
                                on_input=Callback::new(move |v| draft.cheque.update(|c| c.postal_code = v))
                                error=err("postal_code") inputmode="numeric" autocomplete="postal-code" maxlength=6 class="input input--short" />
                            <TextField id="address" label=|l| td_string!(l, stop.address)
                                value=Signal::derive(move || draft.cheque.get().address)
                                on_input=Callback::new(move |v| draft.cheque.update(|c| c.address = v))
                                error=err("address") autocomplete="street-address" maxlength=120 />
                        }>
                        <div class="field" class:field--error=move || errors.with(|e| e.contains_key("bank_code"))>
                            <label class="field__label" for="bank-code">{tr(i18n, |l| td_string!(l, stop.bank))}</label>
                            <p class="field__error" id="bank-code-error">{move || err("bank_code").get()}</p>
                            <select id="bank-code" class="input"
                                aria-invalid=move || errors.with(|e| e.contains_key("bank_code")).then_some("true")
                                aria-describedby=move || if errors.with(|e| e.contains_key("bank_code")) { "bank-code-error" } else { "" }
                                prop:value=move || draft.bank.get().bank_code
                                on:change=move |ev| draft.bank.update(|b| b.bank_code = event_target_value(&ev))>
                                <option value="">{tr(i18n, |l| td_string!(l, stop.bank_choose))}</option>
                                {BANKS.iter().map(|(code, zh, en)| view! {
                                    <option value=*code>{move || format!("{code} {}", if i18n.get_locale() == Locale::en { *en } else { *zh })}</option>
                                }).collect_view()}
                            </select>
                        </div>
                        <TextField id="branch-code" label=|l| td_string!(l, stop.branch) hint=|l| td_string!(l, stop.branch_hint)
                            value=Signal::derive(move || draft.bank.get().branch_code)
                            on_input=Callback::new(move |v| draft.bank.update(|b| b.branch_code = v))
                            error=err("branch_code") inputmode="numeric" maxlength=4 class="input input--short" />
                        <TextField id="account-no" label=|l| td_string!(l, stop.account) hint=|l| td_string!(l, stop.account_hint)
                            value=Signal::derive(move || draft.bank.get().account_no)
                            on_input=Callback::new(move |v| draft.bank.update(|b| b.account_no = v))
                            error=err("account_no") inputmode="numeric" maxlength=20 />
                        <p class="field__hint">
                            <strong>{tr(i18n, |l| td_string!(l, stop.account_holder))}</strong>" "
                            {move || td_string!(i18n.get_locale(), stop.account_holder_note, name = holder_name()).to_string()}
                        </p>
                    </Show>
                </Show>

                <FeeSummary draft=draft />

                <div class="actions">
                    <button type="submit" class="button button--primary">{tr(i18n, |l| td_string!(l, stop.next_step))}</button>
                </div>
            </form>
        </PageShell>
    }
}

/// Step 5: check everything, the step-up code, and «送出停卡申請».
#[component]
pub fn StopConfirmStep() -> impl IntoView {
    let i18n = use_i18n();
    let draft = StopDraft::use_draft();
    let checked = require_card(draft);
    // Loaded back after a reload without the account number or address (never kept):
    // back to step 4 to give them again.
    let back_to_refund = use_navigate();
    Effect::new(move |_| {
        if checked.get()
            && draft.card().is_some()
            && draft.input().is_some_and(|i| !i.field_errors().is_empty())
        {
            back_to_refund(
                "/card/stop/refund",
                NavigateOptions {
                    replace: true,
                    ..Default::default()
                },
            );
        }
    });
    if draft.idempotency_key.get_untracked().is_none() {
        draft.idempotency_key.set(Some(new_idempotency_key()));
    }
    let errors = RwSignal::new(FieldErrors::new());
    let form_error = RwSignal::new(None::<String>);
    let pending = RwSignal::new(false);
    let navigate = use_navigate();
    let title =
        Signal::derive(move || td_string!(i18n.get_locale(), stop.confirm_title).to_string());
    let summary = summary_of(i18n, errors);

    let submit = move |_| {
        if pending.get_untracked() {
            return;
        }
        let Some(input) = draft.input() else { return };
        pending.set(true);
        form_error.set(None);
        errors.set(FieldErrors::new());
        let navigate = navigate.clone();
        spawn_local(async move {
            match submit_stop(input).await {
                Ok(_) => navigate("/card/stop/done", Default::default()),
                Err(AppError::Validation(f)) if !f.is_empty() => errors.set(f),
                Err(AppError::Conflict(_)) => form_error.set(Some(
                    td_string!(i18n.get_locale_untracked(), stop.err_conflict).to_string(),
                )),
                Err(e) => form_error.set(Some(form_error_text(i18n.get_locale_untracked(), &e))),
            }
            pending.set(false);
        });
    };

    let rows = move || {
        let (Some(o), Some(card)) = (draft.overview.get(), draft.card()) else {
            return ().into_any();
        };
        let locale = i18n.get_locale();
        let choice = draft.choice();
        let card_type = if locale == Locale::en {
            card.card_type_en.clone()
        } else {
            card.card_type_zh.clone()
        };
        let refund_to = match choice {
            RefundChoice::NoRefund | RefundChoice::TransferToNewCard => None,
            RefundChoice::BankTransfer => {
                let b = draft.bank.get();
                let bank = BANKS
                    .iter()
                    .find(|x| x.0 == b.bank_code)
                    .map_or("", |x| if locale == Locale::en { x.2 } else { x.1 });
                Some(format!(
                    "{} {bank} / {} / {}",
                    b.bank_code, b.branch_code, b.account_no
                ))
            }
            RefundChoice::Cheque => {
                let c = draft.cheque.get();
                Some(format!("{} {}", c.postal_code, c.address))
            }
        };
        view! {
            <dl class="check-answers">
                <div>
                    <dt>{td_string!(locale, stop.card)}</dt>
                    <dd>{card_type}" "<span class="mono">{card.outer_no_masked.clone()}</span></dd>
                    <dd class="check-answers__change"><Link href="/card/stop/cards">{td_string!(locale, stop.change)}</Link></dd>
                </div>
                <div>
                    <dt>{td_string!(locale, stop.choice)}</dt>
                    <dd>{choice_text(locale, choice)}</dd>
                    <dd class="check-answers__change"><Link href="/card/stop/refund">{td_string!(locale, stop.change)}</Link></dd>
                </div>
                {refund_to.map(|to| view! {
                    <div>
                        <dt>{td_string!(locale, stop.refund_to)}</dt>
                        <dd>{to}</dd>
                        <dd class="check-answers__change"><Link href="/card/stop/refund">{td_string!(locale, stop.change)}</Link></dd>
                    </div>
                })}
            </dl>
            <FeeSummary draft=draft />
            <p class="hint">{td_string!(locale, stop.liability, hours = o.liability_hours).to_string()}</p>
        }
        .into_any()
    };

    view! {
        <PageShell>
            <StepHeader step=5 total=TOTAL title=title back_href="/card/stop/refund" />
            <p class="wizard-name">{tr(i18n, |l| td_string!(l, common.wizard_stop))}</p>
            <ErrorSummary items=summary />
            <FormAlert message=form_error />
            {rows}
            <StepUpCode draft=draft errors=errors />
            <div class="warning" role="note">
                <span class="warning__icon" aria-hidden="true">"!"</span>
                <strong>{tr(i18n, |l| td_string!(l, stop.warning))}</strong>
            </div>
            <div class="actions">
                <button type="button" class="button button--danger" on:click=submit
                    aria-busy=move || pending.get().to_string() prop:disabled=move || pending.get()>
                    <Show when=move || pending.get()><span class="spinner" aria-hidden="true"></span></Show>
                    {tr(i18n, |l| td_string!(l, stop.submit))}
                </button>
            </div>
        </PageShell>
    }
}

/// Step 6: the result, also after a reload.
#[component]
pub fn StopDoneStep() -> impl IntoView {
    let i18n = use_i18n();
    let draft = StopDraft::use_draft();
    let receipt = load_once(load_last_stop_receipt);
    let title = Signal::derive(move || td_string!(i18n.get_locale(), stop.done_title).to_string());
    Effect::new(move |_| {
        if matches!(receipt.get(), Some(Ok(Some(_)))) {
            draft.clear();
        }
    });
    view! {
        <PageShell>
            <StepHeader step=6 total=TOTAL title=title />
            {move || match receipt.get() {
                None => view! { <p class="loading" role="status">{tr(i18n, |l| td_string!(l, common.loading))}</p> }.into_any(),
                Some(Ok(Some(r))) => view! { <Receipt receipt=r /> }.into_any(),
                Some(Ok(None)) | Some(Err(AppError::Unauthorized)) => expired_view(i18n),
                Some(Err(e)) => view! { <div class="form-alert" role="alert">{form_error_text(i18n.get_locale(), &e)}</div> }.into_any(),
            }}
        </PageShell>
    }
}

#[component]
fn Receipt(receipt: StopReceipt) -> impl IntoView {
    let i18n = use_i18n();
    let r = receipt;
    // With its date when that is not today (a stop late in the evening).
    let protected = taiwan_hh_mm_dated(r.protected_from, chrono::Utc::now());
    let stopped = taiwan_date_time(r.stopped_at);
    let choice = r.choice;
    let est = r.estimate;
    view! {
        <div class="panel panel--done">
            <p class="panel__label">{tr(i18n, |l| td_string!(l, stop.serial))}</p>
            <p class="panel__value mono">{r.serial_no.clone()}</p>
        </div>
        <dl class="check-answers">
            <div><dt>{tr(i18n, |l| td_string!(l, stop.card))}</dt><dd><span class="mono">{r.outer_no_masked.clone()}</span>" "
                <StatusChip text=Signal::derive(move || status_text(i18n.get_locale(), CardStatus::Stopped).to_string()) tone="stop" /></dd></div>
            <div><dt>{tr(i18n, |l| td_string!(l, stop.stopped_at))}</dt><dd>{stopped}</dd></div>
            <div><dt>{tr(i18n, |l| td_string!(l, stop.choice))}</dt><dd>{move || choice_text(i18n.get_locale(), choice)}</dd></div>
            {(choice != RefundChoice::NoRefund).then(|| view! {
                <div><dt>{move || amount_label(i18n.get_locale(), choice)}</dt><dd>{move || money(i18n.get_locale(), est.refund)}</dd></div>
            })}
        </dl>
        <p class="notice">{move || td_string!(i18n.get_locale(), stop.protected_from, time = protected.clone()).to_string()}</p>
        <section class="next-steps">
            <h2>{tr(i18n, |l| td_string!(l, stop.next_title))}</h2>
            <p>{tr(i18n, |l| td_string!(l, stop.next_body))}</p>
            <div class="actions actions--inline">
                <Link href="/card/apply/consent" class="button button--primary">{tr(i18n, |l| td_string!(l, common.wizard_apply))}</Link>
                <Link href="/" class="button button--secondary">{tr(i18n, |l| td_string!(l, common.back_home))}</Link>
                <crate::wizard::view::ConsentReceiptLink />
            </div>
        </section>
    }
}
