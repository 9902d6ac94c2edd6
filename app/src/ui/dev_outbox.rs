//! «開發用訊息匣» (SPEC §5): in development — `PORTAL_DEMO` on and no real mail, SMS or
//! LINE provider configured — the messages the outbox wrote as files under
//! `{PORTAL_DATA_DIR}/outbox/`, newest first, so a new user can read a registration or
//! step-up code. Otherwise the page and its API answer 404. Linked from the pages that
//! say a code was sent.

use crate::error::AppError;
use crate::i18n::*;
use crate::ui::{PageShell, set_title, tr};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One message written by the development outbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevMessage {
    #[serde(with = "crate::domain::wire::timestamp")]
    pub at: DateTime<Utc>,
    /// `email`, `sms` or `line`.
    pub channel: String,
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// The newest messages (at most 100); `NotFound` when the page is off.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "dev/outbox", input = server_fn::codec::GetUrl)]
pub async fn load_dev_outbox() -> Result<Vec<DevMessage>, AppError> {
    crate::server::context::serve(async |cx| {
        if !cx.state.config.dev_outbox_enabled() {
            return Err(AppError::NotFound);
        }
        Ok(read_dir(&crate::server::outbox::outbox_dir(
            &cx.state.config.data_dir,
        ))
        .await)
    })
    .await
}

/// The `.eml` files of `dir`, newest first (their names start with the creation time).
#[cfg(feature = "ssr")]
pub async fn read_dir(dir: &std::path::Path) -> Vec<DevMessage> {
    let Ok(mut entries) = tokio::fs::read_dir(dir).await else {
        return Vec::new();
    };
    let mut names = Vec::new();
    while let Ok(Some(e)) = entries.next_entry().await {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.ends_with(".eml") && !name.starts_with('.') {
            names.push(name);
        }
    }
    names.sort_unstable_by(|a, b| b.cmp(a));
    let mut out = Vec::new();
    for name in names.into_iter().take(100) {
        if let Ok(text) = tokio::fs::read_to_string(dir.join(&name)).await {
            out.push(parse_eml(&text));
        }
    }
    out
}

/// The headers the file transport writes (`To`, `Subject`, `Date`,
/// `X-Portal-Channel`) and the body.
#[cfg(feature = "ssr")]
pub fn parse_eml(text: &str) -> DevMessage {
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((text, ""));
    let header = |name: &str| {
        head.split("\r\n")
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(": "))
            .unwrap_or_default()
            .to_owned()
    };
    DevMessage {
        at: DateTime::parse_from_rfc2822(&header("Date"))
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default(),
        channel: header("X-Portal-Channel"),
        to: header("To"),
        subject: header("Subject"),
        body: body.replace("\r\n", "\n"),
    }
}

/// `/dev/outbox`.
#[component]
pub fn DevOutboxPage() -> impl IntoView {
    let i18n = use_i18n();
    set_title(move || td_string!(i18n.get_locale(), common.dev_outbox_title).to_string());
    let list = crate::ui::load_once(load_dev_outbox);
    view! {
        {move || match list.get() {
            None => view! { <PageShell><p class="loading" role="status">{tr(i18n, |l| td_string!(l, common.loading))}</p></PageShell> }.into_any(),
            Some(Err(_)) => view! { <crate::ui::NotFoundPage /> }.into_any(),
            Some(Ok(items)) => view! {
                <PageShell>
                    <h1>{tr(i18n, |l| td_string!(l, common.dev_outbox_title))}</h1>
                    <p>{tr(i18n, |l| td_string!(l, common.dev_outbox_intro))}</p>
                    {items.is_empty().then(|| view! { <p class="empty">{tr(i18n, |l| td_string!(l, common.dev_outbox_empty))}</p> })}
                    <ol class="dev-outbox">{items.into_iter().map(|m| {
                        let at = crate::domain::dates::taiwan_time(m.at).format("%Y-%m-%d %H:%M:%S").to_string();
                        view! {
                            <li class="dev-outbox__message">
                                <p class="hint"><time>{at}</time>" · "<span class="dev-outbox__channel">{m.channel}</span>" · "<span class="dev-outbox__to">{m.to}</span></p>
                                <p><strong>{m.subject}</strong></p>
                                <pre class="dev-outbox__body">{m.body}</pre>
                            </li>
                        }
                    }).collect_view()}</ol>
                </PageShell>
            }.into_any(),
        }}
    }
}

/// «查看開發環境寄出的訊息»: shown only where the page is on (a new tab, so a wizard in
/// progress stays as it is).
#[component]
pub fn DevOutboxLink() -> impl IntoView {
    let i18n = use_i18n();
    let on = crate::ui::load_once(load_dev_outbox);
    move || {
        matches!(on.get(), Some(Ok(_))).then(|| view! {
            <p class="hint dev-outbox-link">
                <a href="/dev/outbox" target="_blank" rel="noopener">{tr(i18n, |l| td_string!(l, common.dev_outbox_link))}</a>
            </p>
        })
    }
}
