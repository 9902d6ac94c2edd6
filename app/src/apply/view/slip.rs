//! The payment slip (print to A4): payment number, store barcodes, ATM account.

use super::*;

/// «繳費單»: a printable A4 page with two stubs, the three convenience-store
/// barcodes, the ATM account and a QR code.
#[component]
pub fn SlipPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let serial = params.with_untracked(|p| p.get("serial").unwrap_or_default());
    // Back from LINE Pay: `?line_pay=paid|already_paid|cancelled|failed`.
    let line_pay = leptos_router::hooks::use_query_map()
        .with_untracked(|q| q.get("line_pay"))
        .and_then(|v| LinePayReturn::parse(&v));
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
                Some(Ok(s)) => view! {
                    {line_pay.map(|r| view! { <LinePayNotice outcome=r /> })}
                    <Slip slip=s print=Callback::new(print) />
                }.into_any(),
            }}
        </PageShell>
    }
}

#[component]
pub(super) fn Slip(slip: PaymentSlip, print: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let s = slip;
    let facts = {
        let s = s.clone();
        move || {
            let locale = i18n.get_locale();
            view! {
                <dl class="slip__facts">
                    {fact(td_string!(locale, apply.slip_payer).into(), crate::ui::with_note(locale, &s.payer, &s.school_name))}
                    {fact(td_string!(locale, apply.slip_item).into(), pick(locale, &s.item_zh, &s.item_en))}
                    {fact(td_string!(locale, apply.fee_total).into(), money(locale, s.amount))}
                    {fact(td_string!(locale, apply.deadline).into(), iso_date(s.due_on))}
                    {fact(td_string!(locale, apply.payment_no).into(), s.payment_no.clone())}
                    {fact(td_string!(locale, apply.slip_payee).into(), pick(locale, &s.payee_zh, &s.payee_en))}
                </dl>
            }
        }
    };
    let facts2 = facts.clone();
    let showing = RwSignal::new(false);
    let refocus = RwSignal::new(false);
    let show_button = NodeRef::<leptos::html::Button>::new();
    // Back from «出示條碼», the focus returns to the button that opened it.
    Effect::new(move |_| {
        if !showing.get()
            && refocus.get_untracked()
            && let Some(b) = show_button.get_untracked()
        {
            refocus.set(false);
            let _ = b.focus();
        }
    });
    let viewer_slip = s.clone();
    let close = Callback::new(move |()| {
        refocus.set(true);
        showing.set(false);
    });
    let paid = s.paid;
    view! {
        <Show when=move || showing.get()>
            <BarcodeViewer slip=viewer_slip.clone() close=close />
        </Show>
        <div class="slip-toolbar no-print" hidden=move || showing.get()>
            <h1>{tr(i18n, |l| td_string!(l, apply.slip_title))}</h1>
            {paid.then(|| view! { <p class="notice notice--ok" role="status">{tr(i18n, |l| td_string!(l, apply.slip_paid))}</p> })}
            <p class="hint">{tr(i18n, |l| td_string!(l, apply.slip_hint))}</p>
            <div class="slip-toolbar__actions">
                {(!paid).then(|| view! {
                    <button type="button" class="button button--primary" node_ref=show_button
                        on:click=move |_| showing.set(true)>
                        {tr(i18n, |l| td_string!(l, apply.barcode_view))}
                    </button>
                })}
                {s.line_pay.then(|| view! { <LinePayButton serial=s.serial_no.clone() /> })}
                <button type="button" class="button" on:click=move |_| print.run(())>
                    {tr(i18n, |l| td_string!(l, apply.print))}
                </button>
            </div>
        </div>
        <div class="slip" hidden=move || showing.get()>
            <section class="slip__stub" aria-labelledby="stub-1">
                <h2 id="stub-1">{tr(i18n, |l| td_string!(l, apply.slip_stub_1))}</h2>
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
                <h2 id="stub-2">{tr(i18n, |l| td_string!(l, apply.slip_stub_2))}</h2>
                {facts2}
                <div class="slip__other">
                    <div class="slip__atm">
                        <h3>{tr(i18n, |l| td_string!(l, apply.slip_atm))}</h3>
                        <dl class="slip__facts">
                            {fact(td_string!(locale, apply.slip_bank).into(), s.atm_bank.clone())}
                            {fact(td_string!(locale, apply.slip_account).into(), s.atm_account.clone())}
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

/// How a LINE Pay payment ended, as the portal's return route says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum LinePayReturn {
    Paid,
    AlreadyPaid,
    Cancelled,
    Failed,
}

impl LinePayReturn {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "paid" => Some(Self::Paid),
            "already_paid" => Some(Self::AlreadyPaid),
            "cancelled" => Some(Self::Cancelled),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

/// What happened at LINE Pay, at the top of the slip.
#[component]
fn LinePayNotice(outcome: LinePayReturn) -> impl IntoView {
    let i18n = use_i18n();
    let ok = matches!(outcome, LinePayReturn::Paid | LinePayReturn::AlreadyPaid);
    view! {
        <div class=if ok { "notice notice--ok no-print" } else { "form-alert no-print" }
            role=if ok { "status" } else { "alert" }>
            {move || {
                let l = i18n.get_locale();
                match outcome {
                    LinePayReturn::Paid => td_string!(l, apply.line_pay_paid),
                    LinePayReturn::AlreadyPaid => td_string!(l, apply.line_pay_already_paid),
                    LinePayReturn::Cancelled => td_string!(l, apply.line_pay_cancelled),
                    LinePayReturn::Failed => td_string!(l, apply.line_pay_failed),
                }
            }}
        </div>
    }
}

/// «LINE Pay 付款»: starts the payment and goes to LINE's page.
#[component]
fn LinePayButton(serial: String) -> impl IntoView {
    let i18n = use_i18n();
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let pay = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let serial = serial.clone();
        spawn_local(async move {
            match start_line_pay(serial).await {
                Ok(url) => {
                    #[cfg(feature = "csr")]
                    if let Some(w) = web_sys::window() {
                        let _ = w.location().assign(&url);
                    }
                    #[cfg(not(feature = "csr"))]
                    let _ = url;
                }
                Err(e) => {
                    let locale = i18n.get_locale_untracked();
                    error.set(Some(match e {
                        AppError::Conflict(_) => {
                            td_string!(locale, apply.line_pay_unavailable).to_string()
                        }
                        e => form_error_text(locale, &e),
                    }));
                    busy.set(false);
                }
            }
        });
    };
    view! {
        <p class="hint">{tr(i18n, |l| td_string!(l, apply.line_pay_hint))}</p>
        <button type="button" class="button button--secondary button--line-pay" on:click=pay
            disabled=move || busy.get()>
            {tr(i18n, |l| td_string!(l, apply.line_pay))}
        </button>
        <FormAlert message=Signal::derive(move || error.get()) />
    }
}
