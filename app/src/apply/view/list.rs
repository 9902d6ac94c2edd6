//! The verified holder's applications, for the query page.

use super::*;

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
