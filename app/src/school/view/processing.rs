//! The processing form of one application or stop, printable.

use super::*;

/// «處理作業單»: printed and mailed with the old card.
#[component]
pub fn ProcessingFormPage() -> impl IntoView {
    let i18n = use_i18n();
    set_title(move || td_string!(i18n.get_locale(), school.pf_title).to_string());
    let params = use_params_map();
    let item = params.with_untracked(|p| p.get("item").unwrap_or_default());
    let form = load_once(move || load_processing_form(item));
    view! {
        <StaffShell>
            {move || match form.get() {
                None => view! { <p class="loading" role="status">{tr(i18n, |l| td_string!(l, common.loading))}</p> }.into_any(),
                Some(Err(e)) => view! { <div class="form-alert" role="alert">{form_error_text(i18n.get_locale(), &e)}</div> }.into_any(),
                Some(Ok(f)) => view! {
                    <article class="processing-form">
                        <h1>{tr(i18n, |l| td_string!(l, school.pf_title))}</h1>
                        <dl class="slip__facts">
                            <div><dt>{tr(i18n, |l| td_string!(l, school.pf_serial))}</dt><dd>{f.serial_no.clone()}</dd></div>
                            <div><dt>{tr(i18n, |l| td_string!(l, school.pf_school))}</dt><dd>{f.school_name.clone()}</dd></div>
                            <div><dt>{tr(i18n, |l| td_string!(l, school.pf_class_seat))}</dt><dd>{format!("{} / {}", f.class_name, f.seat_no)}</dd></div>
                            <div><dt>{tr(i18n, |l| td_string!(l, school.pf_student_no))}</dt><dd>{f.student_no.clone()}</dd></div>
                            <div><dt>{tr(i18n, |l| td_string!(l, school.pf_applicant))}</dt><dd>{f.applicant.clone()}</dd></div>
                            <div><dt>{tr(i18n, |l| td_string!(l, school.pf_card_type))}</dt><dd>{f.card_type_zh.clone()}</dd></div>
                            <div><dt>{tr(i18n, |l| td_string!(l, school.pf_old_card))}</dt><dd>{f.old_card_masked.clone()}</dd></div>
                            <div><dt>{tr(i18n, |l| td_string!(l, school.pf_reason))}</dt><dd>{f.reason.clone()}</dd></div>
                            <div><dt>{tr(i18n, |l| td_string!(l, school.pf_total))}</dt><dd>{move || td_string!(i18n.get_locale(), school.pf_amount, amount = f.total_due).to_string()}</dd></div>
                            <div><dt>{tr(i18n, |l| td_string!(l, school.pf_payment))}</dt><dd>{f.payment.clone()}</dd></div>
                            <div><dt>{tr(i18n, |l| td_string!(l, school.pf_printed_on))}</dt><dd>{iso_date(f.printed_on)}</dd></div>
                        </dl>
                        <p>{tr(i18n, |l| td_string!(l, school.pf_mail_back))}</p>
                        <p class="signature">{tr(i18n, |l| td_string!(l, school.pf_signature))}</p>
                        <button type="button" class="button button--primary no-print" on:click=move |_| {
                            #[cfg(feature = "csr")]
                            if let Some(w) = web_sys::window() { let _ = w.print(); }
                        }>{tr(i18n, |l| td_string!(l, school.print))}</button>
                    </article>
                }.into_any(),
            }}
        </StaffShell>
    }
}
