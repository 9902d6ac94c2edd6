use super::{CardSummary, HolderOverview};
use crate::domain::dates::{iso_date, taiwan_date_time, taiwan_hh_mm};
use crate::domain::refund::RefundProgress;
use crate::error::AppError;
use crate::holder::view::{
    ApplicationList, card_status_text as status_text, card_status_tone as status_tone,
};
use crate::i18n::*;
use crate::ui::Link;
use crate::ui::tr;
use crate::ui::{PageShell, StatusChip, StepHeader, form_error_text, labelled};
use crate::wizard::api::finish_wizard;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::api::load_holder_overview;

/// Step 3 of «卡片查詢».
#[component]
pub fn QueryResultStep() -> impl IntoView {
    let i18n = use_i18n();
    let overview = crate::ui::load_once(load_holder_overview);
    let title = Signal::derive(move || td_string!(i18n.get_locale(), query.title).to_string());
    let go = crate::ui::use_go();
    let draft = crate::wizard::view::IdentityDraft::use_draft();
    let finish = move |_| {
        draft.clear();
        let go = go.clone();
        spawn_local(async move {
            let _ = finish_wizard().await;
            go("/");
        });
    };
    view! {
        <PageShell>
            <StepHeader step=3 total=3 title=title back_href="/card/query/verify" />
            {move || match overview.get() {
                None => view! { <p class="loading" role="status">{tr(i18n, |l| td_string!(l, common.loading))}</p> }.into_any(),
                Some(r) => match r {
                    Ok(o) => view! { <Overview overview=o /> }.into_any(),
                    Err(AppError::Unauthorized) => view! {
                        <div class="form-alert" role="alert">{tr(i18n, |l| td_string!(l, common.session_expired))}</div>
                        <Link href="/card/query/consent" class="button button--primary">{tr(i18n, |l| td_string!(l, common.start_over))}</Link>
                    }.into_any(),
                    Err(e) => view! {
                        <div class="form-alert" role="alert">{form_error_text(i18n.get_locale(), &e)}</div>
                    }.into_any(),
                },
            }}
            <div class="actions">
                <button type="button" class="button button--secondary" on:click=finish>{tr(i18n, |l| td_string!(l, query.finish))}</button>
                {move || matches!(overview.get(), Some(Ok(_))).then(|| view! { <crate::wizard::view::ConsentReceiptLink /> })}
            </div>
        </PageShell>
    }
}

#[component]
fn Overview(overview: HolderOverview) -> impl IntoView {
    let i18n = use_i18n();
    let until = taiwan_hh_mm(overview.verified_until);
    let cards = overview.cards.clone();
    let has_cards = !cards.is_empty();
    let applications = overview.applications.clone();
    let actions = overview.actions;
    view! {
        <section class="holder" aria-label=move || td_string!(i18n.get_locale(), query.holder).to_string()>
            <dl class="holder__facts">
                <div><dt>{tr(i18n, |l| td_string!(l, query.holder))}</dt><dd>{overview.masked_name.clone()}</dd></div>
                <div><dt>{tr(i18n, |l| td_string!(l, query.school))}</dt><dd>{overview.school_name.clone()}</dd></div>
                <div><dt>{tr(i18n, |l| td_string!(l, query.class))}</dt><dd>{overview.class_name.clone()}</dd></div>
            </dl>
        </section>
        <h2>{tr(i18n, |l| td_string!(l, query.cards_title))}</h2>
        {if has_cards {
            view! { <CardTable cards=cards /> }.into_any()
        } else {
            view! { <p class="empty">{tr(i18n, |l| td_string!(l, query.no_cards))}</p> }.into_any()
        }}
        {(!applications.is_empty()).then(|| view! {
            <h2>{tr(i18n, |l| td_string!(l, query.applications_title))}</h2>
            <ApplicationList applications=applications />
        })}
        <p class="hint">{t!(i18n, query.verified_until, time = move || until.clone())}</p>
        // Only the wizards the server would accept now (a stop needs a live card, an
        // application no live card and none in progress).
        {(actions.stop || actions.apply).then(|| view! {
            <div class="next-steps">
                <p>{tr(i18n, |l| td_string!(l, query.next_steps))}</p>
                <div class="actions actions--inline">
                    {actions.stop.then(|| view! {
                        <Link href="/card/stop/consent" class="button button--secondary">{tr(i18n, |l| td_string!(l, common.wizard_stop))}</Link>
                    })}
                    {actions.apply.then(|| view! {
                        <Link href="/card/apply/consent" class="button button--secondary">{tr(i18n, |l| td_string!(l, common.wizard_apply))}</Link>
                    })}
                </div>
            </div>
        })}
    }
}

#[component]
fn CardTable(cards: Vec<CardSummary>) -> impl IntoView {
    let i18n = use_i18n();
    let label = move |f: fn(Locale) -> &'static str| move || f(i18n.get_locale());
    view! {
        <table class="cards-table">
            <thead>
                <tr>
                    <th scope="col">{tr(i18n, |l| td_string!(l, query.col_type))}</th>
                    <th scope="col">{tr(i18n, |l| td_string!(l, query.col_status))}</th>
                    <th scope="col">{tr(i18n, |l| td_string!(l, query.col_school))}</th>
                    <th scope="col">{tr(i18n, |l| td_string!(l, query.col_outer))}</th>
                    <th scope="col">{tr(i18n, |l| td_string!(l, query.col_applied))}</th>
                    <th scope="col">{tr(i18n, |l| td_string!(l, query.col_fee))}</th>
                    <th scope="col">{tr(i18n, |l| td_string!(l, query.col_paid))}</th>
                </tr>
            </thead>
            <tbody>
                {cards.into_iter().map(|c| {
                    let status = c.status;
                    let type_zh = c.card_type_zh.clone();
                    let type_en = c.card_type_en.clone();
                    let fee = c.fee;
                    let stopped = c.stopped_at.map(taiwan_date_time);
                    let refund_choice = c.refund_choice;
                    let refund = c.refund;
                    view! {
                        <tr>
                            <td data-label=label(|l| td_string!(l, query.col_type))>
                                {move || if i18n.get_locale() == Locale::en { type_en.clone() } else { type_zh.clone() }}
                            </td>
                            <td data-label=label(|l| td_string!(l, query.col_status))>
                                <div>
                                    <StatusChip text=Signal::derive(move || status_text(i18n.get_locale(), status).to_string()) tone=status_tone(status) />
                                    {stopped.map(|s| view! {
                                        <span class="cell-note">{tr(i18n, |l| td_string!(l, query.stopped_at))}" "{s}</span>
                                    })}
                                    {refund_choice.map(|choice| view! {
                                        <span class="cell-note">{move || {
                                            let l = i18n.get_locale();
                                            labelled(l, td_string!(l, query.refund_choice), crate::ui::choice_text(l, choice))
                                        }}</span>
                                    })}
                                    {refund.map(|progress| view! { <RefundNote progress /> })}
                                </div>
                            </td>
                            <td data-label=label(|l| td_string!(l, query.col_school))>{c.school_name.clone()}</td>
                            <td data-label=label(|l| td_string!(l, query.col_outer))><span class="mono">{c.outer_no_masked.clone()}</span></td>
                            <td data-label=label(|l| td_string!(l, query.col_applied))>{iso_date(c.applied_on)}</td>
                            <td data-label=label(|l| td_string!(l, query.col_fee))>{t!(i18n, query.fee_amount, amount = move || fee)}</td>
                            <td data-label=label(|l| td_string!(l, query.col_paid))>
                                {c.paid_on.map_or_else(|| "—".to_string(), iso_date)}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// «退費處理中» / «已退費» with the date, and whom to call when a refund is overdue.
#[component]
fn RefundNote(progress: RefundProgress) -> impl IntoView {
    let i18n = use_i18n();
    match progress {
        RefundProgress::Paid { paid_on } => view! {
            <span class="cell-note">{tr(i18n, |l| td_string!(l, query.refund_paid))}" "{iso_date(paid_on)}</span>
        }
        .into_any(),
        RefundProgress::Pending { overdue } => view! {
            <span class="cell-note">{tr(i18n, |l| td_string!(l, query.refund_pending))}</span>
            {overdue.then(|| view! {
                <span class="cell-note" role="note">{tr(i18n, |l| td_string!(l, query.refund_overdue))}</span>
            })}
        }
        .into_any(),
    }
}
