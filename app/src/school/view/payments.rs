//! Payment reconciliation: the bank's file and what each line did.

use super::*;

pub(super) fn outcome_text(locale: Locale, o: &PaymentOutcome) -> String {
    match o {
        PaymentOutcome::Matched { serial_no } => {
            format!("{} ({serial_no})", td_string!(locale, school.p_matched))
        }
        PaymentOutcome::AlreadyRecorded { serial_no } => {
            format!("{} ({serial_no})", td_string!(locale, school.p_already))
        }
        PaymentOutcome::WrongAmount {
            serial_no,
            expected,
        } => {
            format!(
                "{} ({serial_no}, {expected})",
                td_string!(locale, school.p_wrong_amount)
            )
        }
        PaymentOutcome::Unknown => td_string!(locale, school.p_unknown).to_string(),
        PaymentOutcome::Duplicate {
            serial_no,
            paid_channel,
        } => format!(
            "{} ({serial_no}, {paid_channel})",
            td_string!(locale, school.p_duplicate)
        ),
    }
}

/// Payment reconciliation for the issuer's operators: upload → preview → confirm.
#[component]
pub fn PaymentsPage() -> impl IntoView {
    let i18n = use_i18n();
    set_title(move || td_string!(i18n.get_locale(), school.payments_title).to_string());
    let csv = RwSignal::new(None::<String>);
    let report = RwSignal::new(None::<(bool, Result<ReconciliationReport, AppError>)>);
    let busy = RwSignal::new(false);
    let run = move |confirm: bool| {
        let Some(text) = csv.get_untracked() else {
            return;
        };
        busy.set(true);
        spawn_local(async move {
            report.set(Some((confirm, import_payments(text, confirm).await)));
            busy.set(false);
        });
    };
    Effect::new(move |_| {
        if csv.get().is_some() {
            run(false);
        }
    });
    view! {
        <StaffShell>
            <h1>{tr(i18n, |l| td_string!(l, school.payments_title))}</h1>
            <p class="hint">{tr(i18n, |l| td_string!(l, school.payments_hint))}</p>
            {csv_picker(i18n, "payments-file", csv)}
            {move || match report.get() {
                None => ().into_any(),
                Some((_, Err(AppError::Validation(f)))) => view! {
                    <div class="form-alert" role="alert"><pre class="line-errors">{f.get("file").cloned().unwrap_or_default()}</pre></div>
                }.into_any(),
                Some((_, Err(e))) => view! { <div class="form-alert" role="alert">{form_error_text(i18n.get_locale(), &e)}</div> }.into_any(),
                Some((confirmed, Ok(r))) => view! {
                    <section aria-labelledby="report-title">
                        <h2 id="report-title">{move || if confirmed { td_string!(i18n.get_locale(), school.p_done) } else { td_string!(i18n.get_locale(), school.preview) }}</h2>
                        <p>{move || td_string!(i18n.get_locale(), school.p_counts, matched = r.matched, already = r.already_recorded, wrong = r.wrong_amount, unknown = r.unknown).to_string()}</p>
                        <table class="queue-table">
                            <thead><tr>
                                <th scope="col">{tr(i18n, |l| td_string!(l, school.c_line))}</th>
                                <th scope="col">{tr(i18n, |l| td_string!(l, school.c_payment_no))}</th>
                                <th scope="col" class="num">{tr(i18n, |l| td_string!(l, school.c_amount))}</th>
                                <th scope="col">{tr(i18n, |l| td_string!(l, school.c_outcome))}</th>
                            </tr></thead>
                            <tbody>{r.results.iter().map(|x| {
                                let o = x.outcome.clone();
                                view! {
                                    <tr><td>{x.line}</td><td class="mono">{x.payment_no.clone()}</td><td class="num">{x.amount}</td>
                                    <td>{move || outcome_text(i18n.get_locale(), &o)}</td></tr>
                                }
                            }).collect_view()}</tbody>
                        </table>
                        {(!confirmed && r.matched > 0).then(|| view! {
                            <button type="button" class="button button--primary" prop:disabled=move || busy.get() on:click=move |_| run(true)>
                                {tr(i18n, |l| td_string!(l, school.confirm_payments))}
                            </button>
                        })}
                    </section>
                }.into_any(),
            }}
        </StaffShell>
    }
}
