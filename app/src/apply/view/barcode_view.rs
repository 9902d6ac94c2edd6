//! «出示條碼»: the slip's store barcodes one at a time across the whole screen, for the
//! clerk's scanner, with the payment number large and a brightness hint.

use super::*;

/// The slip's barcode SVG stretched to the box it is given (the bars keep their
/// widths across; only their height follows the box).
fn stretched(svg: &str) -> String {
    svg.replacen("<svg ", "<svg preserveAspectRatio=\"none\" ", 1)
}

/// A full-screen dialog over the slip. `close` is called by «關閉» and by Escape; the
/// caller puts the focus back on the button that opened it.
#[component]
pub(super) fn BarcodeViewer(slip: PaymentSlip, close: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let count = slip.barcodes.len();
    let index = RwSignal::new(0usize);
    let heading = NodeRef::<leptos::html::H2>::new();
    Effect::new(move |_| {
        if let Some(h) = heading.get() {
            let _ = h.focus();
        }
    });
    let barcodes = slip.barcodes.clone();
    let current = move || barcodes.get(index.get()).cloned();
    let on_key = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "Escape" => close.run(()),
        "ArrowRight" if index.get_untracked() + 1 < count => index.update(|i| *i += 1),
        "ArrowLeft" if index.get_untracked() > 0 => index.update(|i| *i -= 1),
        _ => {}
    };
    let position = move || {
        td_string!(
            i18n.get_locale(),
            apply.barcode_view_position,
            n = index.get() + 1,
            total = count
        )
        .to_string()
    };
    let payment_no = slip.payment_no.clone();
    let amount = slip.amount;
    view! {
        <div class="barcode-view" role="dialog" aria-modal="true" aria-labelledby="barcode-view-title"
            on:keydown=on_key>
            <div class="barcode-view__head">
                <h2 id="barcode-view-title" tabindex="-1" node_ref=heading>
                    {tr(i18n, |l| td_string!(l, apply.barcode_view))}
                </h2>
                <button type="button" class="button" on:click=move |_| close.run(())>
                    {tr(i18n, |l| td_string!(l, apply.barcode_view_close))}
                </button>
            </div>
            <p class="barcode-view__hint">{tr(i18n, |l| td_string!(l, apply.barcode_view_hint))}</p>
            <dl class="barcode-view__facts">
                <div>
                    <dt>{tr(i18n, |l| td_string!(l, apply.payment_no))}</dt>
                    <dd class="barcode-view__number mono">{payment_no}</dd>
                </div>
                <div>
                    <dt>{tr(i18n, |l| td_string!(l, apply.fee_total))}</dt>
                    <dd class="barcode-view__amount">{move || money(i18n.get_locale(), amount)}</dd>
                </div>
            </dl>
            <p class="barcode-view__position" aria-live="polite">{position}</p>
            {move || current().map(|b| view! {
                <figure class="barcode-view__code">
                    <div class="barcode-view__image" role="img"
                        aria-label=format!("{} {}", position(), b.text)
                        inner_html=stretched(&b.svg)></div>
                    <figcaption class="mono">{b.text.clone()}</figcaption>
                </figure>
            })}
            // aria-disabled, not disabled, at either end: the focus stays on the
            // button (a disabled one would drop it to the page, and Escape with it).
            <div class="barcode-view__nav">
                <button type="button" class="button" aria-disabled=move || (index.get() == 0).to_string()
                    on:click=move |_| index.update(|i| *i = i.saturating_sub(1))>
                    {tr(i18n, |l| td_string!(l, apply.barcode_view_previous))}
                </button>
                <button type="button" class="button button--primary"
                    aria-disabled=move || (index.get() + 1 >= count).to_string()
                    on:click=move |_| index.update(|i| *i = (*i + 1).min(count.saturating_sub(1)))>
                    {tr(i18n, |l| td_string!(l, apply.barcode_view_next))}
                </button>
            </div>
            <p class="hint">{tr(i18n, |l| td_string!(l, apply.barcode_view_rotate))}</p>
        </div>
    }
}
