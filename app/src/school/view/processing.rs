//! The processing form of one application or stop, printable.

use super::*;

/// «處理作業單»: printed and mailed with the old card.
#[component]
pub fn ProcessingFormPage() -> impl IntoView {
    let i18n = use_i18n();
    set_title(move || "處理作業單".to_string());
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
                        <h1>"處理作業單"</h1>
                        <dl class="slip__facts">
                            <div><dt>"申請編號"</dt><dd>{f.serial_no.clone()}</dd></div>
                            <div><dt>"學校"</dt><dd>{f.school_name.clone()}</dd></div>
                            <div><dt>"年班／座號"</dt><dd>{format!("{} / {}", f.class_name, f.seat_no)}</dd></div>
                            <div><dt>"學號"</dt><dd>{f.student_no.clone()}</dd></div>
                            <div><dt>"申請人"</dt><dd>{f.applicant.clone()}</dd></div>
                            <div><dt>"卡別"</dt><dd>{f.card_type_zh.clone()}</dd></div>
                            <div><dt>"舊卡外碼"</dt><dd>{f.old_card_masked.clone()}</dd></div>
                            <div><dt>"補卡原因"</dt><dd>{f.reason.clone()}</dd></div>
                            <div><dt>"應收金額"</dt><dd>{format!("{} 元", f.total_due)}</dd></div>
                            <div><dt>"繳費狀態"</dt><dd>{f.payment.clone()}</dd></div>
                            <div><dt>"列印日期"</dt><dd>{iso_date(f.printed_on)}</dd></div>
                        </dl>
                        <p>"請將本作業單併同舊卡寄回發卡公司。"</p>
                        <p class="signature">"承辦人簽章：＿＿＿＿＿＿＿＿"</p>
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
