//! «學校通知» in «家長專區»: the notices the schools of the parent's bound children
//! sent («訊息發送服務»), with title, date, school and body.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::dates::taiwan_date_time;
use crate::error::AppError;
use crate::i18n::*;
use crate::ui::{form_error_text, tr};

/// One notice as the parent reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchoolNoticeItem {
    pub id: i32,
    #[serde(with = "crate::domain::wire::timestamp")]
    pub created_at: DateTime<Utc>,
    pub school_name: String,
    pub title: String,
    pub body: String,
}

/// The notices of the bound children's classes, grades and schools, newest first.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "parent/notices", input = server_fn::codec::GetUrl)]
pub async fn load_school_notices() -> Result<Vec<SchoolNoticeItem>, AppError> {
    crate::server::context::serve(async |cx| super::service::school_notices(&cx).await).await
}

/// «學校通知» on the parent's home.
#[component]
pub fn SchoolNotices() -> impl IntoView {
    let i18n = use_i18n();
    let list = crate::ui::load_once(load_school_notices);
    view! {
        <section class="school-notices" aria-labelledby="school-notices-title">
            <h2 id="school-notices-title">{tr(i18n, |l| td_string!(l, notice.p_title))}</h2>
            {move || match list.get() {
                None => view! { <p class="loading" role="status">{tr(i18n, |l| td_string!(l, common.loading))}</p> }.into_any(),
                Some(Err(AppError::Unauthorized | AppError::MustChangePassword)) => ().into_any(),
                Some(Err(e)) => view! { <div class="form-alert" role="alert">{form_error_text(i18n.get_locale(), &e)}</div> }.into_any(),
                Some(Ok(items)) if items.is_empty() => view! {
                    <p class="empty">{tr(i18n, |l| td_string!(l, notice.p_none))}</p>
                }.into_any(),
                Some(Ok(items)) => view! {
                    <ul class="card-list">{items.into_iter().map(|n| {
                        let (heading, labelled_by) = (format!("school-notice-{}", n.id), format!("school-notice-{}", n.id));
                        let (school, at) = (n.school_name.clone(), taiwan_date_time(n.created_at));
                        view! {
                            <li class="card-item">
                                <article class="school-notice" aria-labelledby=labelled_by>
                                    <h3 class="card-item__title" id=heading>{n.title.clone()}</h3>
                                    <p class="cell-note">{move || td_string!(i18n.get_locale(), notice.p_meta, school = school.clone(), date = at.clone()).to_string()}</p>
                                    <p class="school-notice__body">{n.body.clone()}</p>
                                </article>
                            </li>
                        }
                    }).collect_view()}</ul>
                }.into_any(),
            }}
        </section>
    }
}
