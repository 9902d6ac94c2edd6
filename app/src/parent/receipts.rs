//! «我的資料»: the consent receipts of the wizards this parent started for a bound
//! child (SPEC §10, §11), each downloadable as text.

use crate::domain::dates::taiwan_date_time;
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::tr;
use crate::wizard::ConsentReceiptSummary;
use crate::wizard::view::{ConsentReceiptLink, wizard_name};
use leptos::prelude::*;

/// The parent's consent records, newest first.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "parent/consents", input = server_fn::codec::GetUrl)]
pub async fn load_my_consents() -> Result<Vec<ConsentReceiptSummary>, AppError> {
    crate::server::context::serve(async |cx| {
        let account = crate::server::model::parent_account::current(&cx, false).await?;
        crate::wizard::receipt::parent_receipts(&cx.state.db, account.id).await
    })
    .await
}

/// «同意紀錄» on the parent's home, beside «下載我的資料».
#[component]
pub fn ConsentReceipts() -> impl IntoView {
    let i18n = use_i18n();
    let list = crate::ui::load_once(load_my_consents);
    view! {
        <section class="consent-receipts">
            <h2>{tr(i18n, |l| td_string!(l, consent.receipts_title))}</h2>
            {move || match list.get() {
                Some(Ok(items)) if items.is_empty() => view! {
                    <p class="empty">{tr(i18n, |l| td_string!(l, consent.receipts_none))}</p>
                }.into_any(),
                Some(Ok(items)) => view! {
                    <ul class="card-list">{items.into_iter().map(|c| {
                        let at = taiwan_date_time(c.at);
                        let wizard = c.wizard;
                        let version = c.version.clone();
                        view! {
                            <li>
                                <p>{move || wizard_name(i18n.get_locale(), wizard)}" · "{at.clone()}</p>
                                <p class="hint">{move || td_string!(i18n.get_locale(), consent.version, version = version.clone()).to_string()}</p>
                                <ConsentReceiptLink record=c.record_id />
                            </li>
                        }
                    }).collect_view()}</ul>
                }.into_any(),
                _ => ().into_any(),
            }}
        </section>
    }
}
