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
                        </dl>
                        {reason.map(|r| view! { <p class="card-item__note">{move || labelled(i18n.get_locale(), td_string!(i18n.get_locale(), apply.return_reason), &r)}</p> })}
                        <ol class="timeline" aria-label=move || td_string!(i18n.get_locale(), apply.timeline).to_string()>
                            {a.timeline.into_iter().map(|step| {
                                let done = step.at.is_some();
                                let s = step.status;
                                view! {
                                    <li class="timeline__step" class:timeline__step--done=done
                                        class:timeline__step--current=move || s == status>
                                        <span class="timeline__label">{move || application_status_text(i18n.get_locale(), s)}</span>
                                        {step.at.map(|t| view! { <span class="timeline__time">{taiwan_date_time(t)}</span> })}
                                        {step.note.filter(|_| s == ApplicationStatus::Returned).map(|n| view! { <span class="timeline__note">{n}</span> })}
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
}
