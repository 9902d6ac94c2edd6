//! How the holder's cards and applications look: state texts and tones, and the list of
//! applications with their timelines (the query page and the parent's overview).

use super::{ApplicationStatus, ApplicationSummary, CardStatus};
use crate::domain::dates::{iso_date, taiwan_date_time};
use crate::i18n::*;
use crate::ui::{Link, StatusChip, labelled, tr};
use leptos::prelude::*;

/// The visible text of a card state: «開卡使用中», «暫時鎖卡», «停用».
pub fn card_status_text(locale: Locale, s: CardStatus) -> &'static str {
    match s {
        CardStatus::Active => td_string!(locale, query.status_active),
        CardStatus::Locked => td_string!(locale, query.status_locked),
        CardStatus::Stopped => td_string!(locale, query.status_stopped),
    }
}

/// The chip tone of a card state.
pub fn card_status_tone(s: CardStatus) -> &'static str {
    match s {
        CardStatus::Active => "ok",
        CardStatus::Locked => "warn",
        CardStatus::Stopped => "stop",
    }
}

/// The visible text of an application state (the SPEC's vocabulary).
pub fn application_status_text(locale: Locale, s: ApplicationStatus) -> &'static str {
    match s {
        ApplicationStatus::AwaitingPayment => td_string!(locale, query.app_status_awaiting_payment),
        ApplicationStatus::Paid => td_string!(locale, query.app_status_paid),
        ApplicationStatus::Processing => td_string!(locale, query.app_status_processing),
        ApplicationStatus::Printing => td_string!(locale, query.app_status_printing),
        ApplicationStatus::Shipped => td_string!(locale, query.app_status_shipped),
        ApplicationStatus::Closed => td_string!(locale, query.app_status_closed),
        ApplicationStatus::Returned => td_string!(locale, query.app_status_returned),
        ApplicationStatus::Expired => td_string!(locale, query.app_status_expired),
    }
}

/// The chip tone of an application state.
pub fn application_status_tone(s: ApplicationStatus) -> &'static str {
    match s {
        ApplicationStatus::AwaitingPayment => "warn",
        ApplicationStatus::Returned | ApplicationStatus::Expired => "stop",
        _ => "ok",
    }
}

/// An amount in the page's language.
pub fn money(locale: Locale, amount: i32) -> String {
    td_string!(locale, apply.amount, amount = amount).to_string()
}

/// The Chinese or the English name, by the page's language.
pub fn pick(locale: Locale, zh: &str, en: &str) -> String {
    if locale == Locale::en { en } else { zh }.to_owned()
}

/// A row of the timeline: a state, or a step between states.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Row {
    Status(ApplicationStatus),
    Approved,
    Batched,
    Printed,
}

/// What a row says beside its time.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Note {
    /// «退件» with its reason.
    Reason(String),
    /// «已寄出» with the «掛號號碼».
    MailNo(String),
    /// «已結案» at school.
    AtSchool,
    /// «處理中»: mail the old card back with the processing form.
    MailOldCard,
    /// The old card reached the issuer.
    OldCardReceived,
}

impl Note {
    fn text(&self, locale: Locale) -> String {
        match self {
            Note::Reason(r) => r.clone(),
            Note::MailNo(m) => labelled(locale, td_string!(locale, query.mail_no), m),
            Note::AtSchool => td_string!(locale, query.closed_at_school).to_owned(),
            Note::MailOldCard => td_string!(locale, query.mail_old_card).to_owned(),
            Note::OldCardReceived => td_string!(locale, query.old_card_received).to_owned(),
        }
    }
}

/// One row with its time (`None`: ahead) and note.
#[derive(Clone, Debug, PartialEq, Eq)]
struct TimelineRow {
    kind: Row,
    at: Option<chrono::DateTime<chrono::Utc>>,
    note: Option<Note>,
}

fn row_text(locale: Locale, row: Row) -> &'static str {
    match row {
        Row::Status(s) => application_status_text(locale, s),
        Row::Approved => td_string!(locale, query.step_approved),
        Row::Batched => td_string!(locale, query.step_batched),
        Row::Printed => td_string!(locale, query.step_printed),
    }
}

/// Every step of the application with its time (SPEC §1 3d): the states, and between
/// them the school's approval (after «已繳費»), the print batch and the printing
/// (after «等待印卡回應»). A returned or expired application shows only what it
/// reached.
fn timeline_rows(a: &ApplicationSummary) -> Vec<TimelineRow> {
    let ended = matches!(
        a.status,
        ApplicationStatus::Returned | ApplicationStatus::Expired
    );
    let mut rows = Vec::new();
    let between = |rows: &mut Vec<TimelineRow>, kind, at: Option<_>| {
        if at.is_some() || !ended {
            rows.push(TimelineRow {
                kind,
                at,
                note: None,
            });
        }
    };
    for step in &a.timeline {
        let note = match (step.status, step.note.as_deref()) {
            (ApplicationStatus::Returned, Some(r)) => Some(Note::Reason(r.to_owned())),
            (ApplicationStatus::Shipped, Some(m)) => Some(Note::MailNo(m.to_owned())),
            (ApplicationStatus::Closed, Some("school")) => Some(Note::AtSchool),
            (ApplicationStatus::Printing, Some("old_card_received")) => Some(Note::OldCardReceived),
            (ApplicationStatus::Processing, _) if a.status == ApplicationStatus::Processing => {
                Some(Note::MailOldCard)
            }
            _ => None,
        };
        rows.push(TimelineRow {
            kind: Row::Status(step.status),
            at: step.at,
            note,
        });
        match step.status {
            ApplicationStatus::Paid => between(&mut rows, Row::Approved, a.approved_at),
            ApplicationStatus::Printing => {
                between(&mut rows, Row::Batched, a.batched_at);
                between(&mut rows, Row::Printed, a.printed_at);
            }
            _ => {}
        }
    }
    rows
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
                let line_pay = unpaid && a.line_pay;
                let line_pay_href = slip_href.clone();
                let reason = a.return_reason.clone();
                let rows = timeline_rows(&a);
                view! {
                    <li class="application">
                        <div class="card-item__head">
                            <h3 class="card-item__title">{move || pick(i18n.get_locale(), &a.card_type_zh, &a.card_type_en)}</h3>
                            <StatusChip text=Signal::derive(move || application_status_text(i18n.get_locale(), status).to_string()) tone=application_status_tone(status) />
                        </div>
                        <dl class="card-item__facts">
                            <div><dt>{tr(i18n, |l| td_string!(l, apply.serial_no))}</dt><dd class="mono">{a.serial_no.clone()}</dd></div>
                            <div><dt>{tr(i18n, |l| td_string!(l, query.col_applied))}</dt><dd>{iso_date(a.applied_on)}</dd></div>
                            <div><dt>{tr(i18n, |l| td_string!(l, apply.fee_total))}</dt><dd>{move || money(i18n.get_locale(), a.amount)}</dd></div>
                            <div><dt>{tr(i18n, |l| td_string!(l, apply.deadline))}</dt><dd>{iso_date(a.due_on)}</dd></div>
                            {a.paid_on.map(|p| view! { <div><dt>{tr(i18n, |l| td_string!(l, query.col_paid))}</dt><dd>{iso_date(p)}</dd></div> })}
                            {a.carried_balance.map(|b| view! { <div><dt>{tr(i18n, |l| td_string!(l, query.carried_balance))}</dt><dd>{move || money(i18n.get_locale(), b)}</dd></div> })}
                            {a.mail_no.clone().map(|m| view! { <div><dt>{tr(i18n, |l| td_string!(l, query.mail_no))}</dt><dd class="mono">{m}</dd></div> })}
                        </dl>
                        {reason.map(|r| view! { <p class="card-item__note">{move || labelled(i18n.get_locale(), td_string!(i18n.get_locale(), apply.return_reason), &r)}</p> })}
                        <ol class="timeline" aria-label=move || td_string!(i18n.get_locale(), apply.timeline).to_string()>
                            {rows.into_iter().map(|row| {
                                let done = row.at.is_some();
                                let kind = row.kind;
                                let note = row.note;
                                view! {
                                    <li class="timeline__step" class:timeline__step--done=done
                                        class:timeline__step--current=move || kind == Row::Status(status)>
                                        <span class="timeline__label">{move || row_text(i18n.get_locale(), kind)}</span>
                                        {row.at.map(|t| view! { <span class="timeline__time">{taiwan_date_time(t)}</span> })}
                                        {note.map(|n| view! { <span class="timeline__note">{move || n.text(i18n.get_locale())}</span> })}
                                    </li>
                                }
                            }).collect_view()}
                        </ol>
                        {unpaid.then(|| view! {
                            <div class="actions actions--inline">
                                <Link href=slip_href class="button button--secondary">{tr(i18n, |l| td_string!(l, apply.download_slip))}</Link>
                                {line_pay.then(|| view! {
                                    <Link href=line_pay_href class="button button--secondary">{tr(i18n, |l| td_string!(l, apply.line_pay))}</Link>
                                })}
                            </div>
                        })}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn application_states_read_as_the_spec_names_them_in_chinese_and_english() {
        use ApplicationStatus::*;
        for s in [
            AwaitingPayment,
            Paid,
            Printing,
            Shipped,
            Closed,
            Returned,
            Expired,
        ] {
            assert_eq!(application_status_text(Locale::zh_TW, s), s.label(false));
            assert_eq!(application_status_text(Locale::en, s), s.label(true));
            assert_ne!(application_status_text(Locale::vi, s), s.label(false));
            assert_ne!(application_status_text(Locale::id, s), s.label(false));
        }
    }

    fn summary(status: ApplicationStatus, reached: usize) -> ApplicationSummary {
        let at = chrono::DateTime::from_timestamp(1_796_090_400, 0);
        let date = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
        ApplicationSummary {
            line_pay: false,
            serial_no: "AP20261201000001".into(),
            card_type_zh: "x".into(),
            card_type_en: "x".into(),
            status,
            amount: 100,
            applied_on: date,
            due_on: date,
            paid_on: None,
            return_reason: None,
            timeline: super::super::TIMELINE
                .iter()
                .enumerate()
                .map(|(i, s)| super::super::TimelineStep {
                    status: *s,
                    at: (i < reached).then_some(at).flatten(),
                    note: (*s == ApplicationStatus::Shipped && i < reached)
                        .then(|| "RR123456789TW".to_owned()),
                })
                .collect(),
            approved_at: at,
            batched_at: at,
            printed_at: (reached >= 4).then_some(at).flatten(),
            mail_no: Some("RR123456789TW".into()),
            carried_balance: None,
        }
    }

    #[test]
    fn the_timeline_shows_every_step_in_order_with_the_mail_number() {
        let rows = timeline_rows(&summary(ApplicationStatus::Shipped, 4));
        let kinds: Vec<Row> = rows.iter().map(|r| r.kind).collect();
        use ApplicationStatus::*;
        assert_eq!(
            kinds,
            [
                Row::Status(AwaitingPayment),
                Row::Status(Paid),
                Row::Approved,
                Row::Status(Printing),
                Row::Batched,
                Row::Printed,
                Row::Status(Shipped),
                Row::Status(Closed),
            ]
        );
        assert!(rows[..7].iter().all(|r| r.at.is_some()));
        assert!(rows[7].at.is_none());
        assert_eq!(rows[6].note, Some(Note::MailNo("RR123456789TW".into())));
        assert_eq!(
            rows[6].note.as_ref().map(|n| n.text(Locale::zh_TW)),
            Some("掛號號碼：RR123456789TW".into())
        );
    }
}
