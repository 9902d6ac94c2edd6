//! The messages in English, Vietnamese and Indonesian (issue 15 item 3), as data:
//! `locales/{en,vi,id}.json`, one entry per template or variant (`absence`,
//! `application_status.shipped_mail`, `card_action.lock`, …) with a `subject` and a
//! `body` whose `{placeholders}` are the payload's keys. The Chinese and English text
//! that every message has always carried stays in Rust (`super::render`,
//! `super::templates`); a message in another language puts its text first and that
//! text after a separator line, so a relative who reads Chinese, or the school, can
//! still read it.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

use super::Lang;

#[derive(Debug, Deserialize)]
pub struct Text {
    pub subject: String,
    pub body: String,
}

pub type Table = HashMap<String, Text>;

const EN: &str = include_str!("locales/en.json");
const VI: &str = include_str!("locales/vi.json");
const ID: &str = include_str!("locales/id.json");

/// The line between the message in the reader's language and the Chinese/English one.
pub const SEPARATOR: &str = "------------------------------";

/// The texts of `lang` (`None` for zh-TW, whose text is the Chinese/English one).
pub fn table(lang: Lang) -> Option<&'static Table> {
    static TABLES: OnceLock<[Table; 3]> = OnceLock::new();
    let tables = TABLES.get_or_init(|| {
        // The files are part of the binary and checked by the tests: a broken one is a
        // build defect, so an empty table (the Chinese/English text alone) will do.
        let parse = |name: &str, text: &str| {
            serde_json::from_str(text).unwrap_or_else(|e| {
                tracing::error!(file = name, error = %e, "unreadable message texts");
                Table::new()
            })
        };
        [parse("en", EN), parse("vi", VI), parse("id", ID)]
    });
    match lang {
        Lang::ZhTw => None,
        Lang::En => Some(&tables[0]),
        Lang::Vi => Some(&tables[1]),
        Lang::Id => Some(&tables[2]),
    }
}

/// The entry of `template` for this payload: the template's name, or for a template
/// with variants the variant's (`application_status.<status>`, with `shipped_mail` /
/// `shipped_school`; `card_action.<action>`).
pub fn variant_key(template: &str, payload: &serde_json::Value) -> String {
    let s = |k: &str| payload[k].as_str().unwrap_or_default();
    match template {
        "application_status" => match s("status") {
            "shipped" if !s("note").is_empty() => "application_status.shipped_mail".into(),
            "shipped" => "application_status.shipped_school".into(),
            status => format!("application_status.{status}"),
        },
        "card_action" => format!("card_action.{}", s("action")),
        other => other.to_owned(),
    }
}

/// `text` with each `{key}` replaced by the payload's value (a string, or a number as
/// written); a key the payload lacks becomes empty.
pub fn fill(text: &str, payload: &serde_json::Value) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else {
            break;
        };
        let key = &rest[open + 1..close];
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            out.push_str(&rest[..=open]);
            rest = &rest[open + 1..];
            continue;
        }
        out.push_str(&rest[..open]);
        match &payload[key] {
            serde_json::Value::String(v) => out.push_str(v),
            serde_json::Value::Number(n) => out.push_str(&n.to_string()),
            serde_json::Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            _ => {}
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Subject and body of the message in `lang` alone, or `None` for zh-TW or a template
/// (variant) without an entry.
pub fn render(lang: Lang, template: &str, payload: &serde_json::Value) -> Option<(String, String)> {
    let table = table(lang)?;
    let key = variant_key(template, payload);
    let text = table.get(&key)?;
    let subject = fill(&text.subject, payload);
    let body = fill(&text.body, payload);
    if template == "card_action" && key != "card_action.refund" {
        // One sentence for the action, how it was done, and whom to call.
        let how = if payload["by_parent"].as_bool().unwrap_or(false) {
            "card_action.by_parent"
        } else {
            "card_action.by_identity"
        };
        let how = table.get(how).map(|t| t.body.as_str()).unwrap_or_default();
        let footer = table
            .get("card_action.footer")
            .map(|t| t.body.as_str())
            .unwrap_or_default();
        return Some((subject, format!("{body} {how}\n{footer}\n")));
    }
    Some((subject, body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};
    use std::collections::BTreeSet;

    /// Every template and variant, with the payload values that pick it.
    fn variants() -> Vec<(&'static str, &'static str, Value)> {
        let plain = [
            "stop_code",
            "parent_register_code",
            "parent_account_exists",
            "parent_reset_code",
            "parent_account_created",
            "parent_password_changed",
            "parent_binding_approved",
            "parent_binding_returned",
            "parent_binding_removed",
            "swipe_arrival",
            "swipe_departure",
            "absence",
            "notify_email_code",
            "line_linked",
            "sms_cancellation_approved",
            "sms_cancellation_rejected",
            "application_printed",
            "payment_reminder",
            "stop_recorded",
        ];
        let mut out: Vec<_> = plain.iter().map(|t| (*t, *t, json!({}))).collect();
        for (key, status, note) in [
            (
                "application_status.awaiting_payment",
                "awaiting_payment",
                None,
            ),
            ("application_status.paid", "paid", None),
            ("application_status.processing", "processing", None),
            ("application_status.printing", "printing", None),
            ("application_status.shipped_mail", "shipped", None),
            ("application_status.shipped_school", "shipped", Some("")),
            ("application_status.closed", "closed", None),
            ("application_status.returned", "returned", None),
            ("application_status.expired", "expired", None),
        ] {
            let mut selector =
                json!({ "status": status, "status_zh": "狀態", "status_en": "State" });
            if let Some(note) = note {
                selector["note"] = note.into();
            }
            out.push((key, "application_status", selector));
        }
        for action in ["lock", "unlock", "stop", "apply", "refund"] {
            for by_parent in [false, true] {
                let key = ["card_action.", action].concat().leak();
                out.push((
                    key,
                    "card_action",
                    json!({ "action": action, "by_parent": by_parent }),
                ));
            }
        }
        out
    }

    /// Every key a payload can carry, each with a value found nowhere else.
    fn markers() -> Value {
        let mut m = serde_json::Map::new();
        for key in [
            "masked_name",
            "outer_no_masked",
            "code",
            "display_name",
            "account",
            "temporary_password",
            "requested_on",
            "school_name",
            "reason",
            "time",
            "date",
            "term_name",
            "effective_on",
            "serial_no",
            "note",
            "due_on",
            "payment_no",
            "stopped_at",
            "card_masked",
            "at",
            "paid_on",
        ] {
            m.insert(key.into(), format!("‹{key}›").into());
        }
        m.insert("minutes".into(), 90_017.into());
        m.insert("amount".into(), 90_023.into());
        Value::Object(m)
    }

    fn found_in(text: &str, markers: &Value) -> BTreeSet<String> {
        markers
            .as_object()
            .map(|m| {
                m.iter()
                    .filter(|(_, v)| match v {
                        Value::String(s) => text.contains(s.as_str()),
                        other => text.contains(&other.to_string()),
                    })
                    .map(|(k, _)| k.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn placeholders(text: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}') else {
                break;
            };
            out.insert(rest[open + 1..open + close].to_owned());
            rest = &rest[open + close + 1..];
        }
        out
    }

    const FRAGMENTS: [&str; 3] = [
        "card_action.by_parent",
        "card_action.by_identity",
        "card_action.footer",
    ];

    #[test]
    fn every_template_and_variant_has_each_language_with_the_chinese_placeholders() {
        let markers = markers();
        let mut keys = BTreeSet::new();
        for (key, template, selector) in variants() {
            let mut payload = markers.clone();
            for (k, v) in selector.as_object().into_iter().flatten() {
                payload[k] = v.clone();
            }
            assert_eq!(variant_key(template, &payload), key);
            keys.insert(key.to_owned());
            // What the Chinese/English text uses is what each translation must use.
            let (zh_subject, zh_body) =
                super::super::render(template, &payload).expect("a known template");
            let zh_text = format!("{zh_subject}\n{zh_body}");
            let used = found_in(&zh_text, &markers);
            assert!(
                zh_body.contains('：') || zh_body.contains('。'),
                "{key}: {zh_body}"
            );
            for lang in [Lang::En, Lang::Vi, Lang::Id] {
                let entry = table(lang)
                    .and_then(|t| t.get(key))
                    .unwrap_or_else(|| panic!("{} has no {key}", lang.as_str()));
                let named = placeholders(&format!("{}\n{}", entry.subject, entry.body));
                assert_eq!(named, used, "{} {key}: placeholders", lang.as_str());
                payload["lang"] = lang.as_str().into();
                let (subject, body) = super::super::render(template, &payload).expect("rendered");
                let own = body.split(SEPARATOR).next().unwrap_or_default();
                assert!(
                    !subject.contains(['{', '}']),
                    "{} {key}: {subject}",
                    lang.as_str()
                );
                assert!(
                    !body.contains(['{', '}']),
                    "{} {key}: {body}",
                    lang.as_str()
                );
                assert_eq!(found_in(&format!("{subject}\n{own}"), &markers), used);
                // The reader's language first, then the Chinese/English text whole.
                assert!(body.ends_with(&zh_body), "{} {key}: {body}", lang.as_str());
                assert!(
                    !own.contains(['。', '：']),
                    "{} {key}: {own}",
                    lang.as_str()
                );
            }
        }
        for lang in [Lang::En, Lang::Vi, Lang::Id] {
            let table = table(lang).expect("a table");
            for fragment in FRAGMENTS {
                let text = &table.get(fragment).expect("the fragment").body;
                assert!(
                    !text.is_empty() && placeholders(text).is_empty(),
                    "{fragment}"
                );
            }
            let extra: Vec<_> = table
                .keys()
                .filter(|k| !keys.contains(*k) && !FRAGMENTS.contains(&k.as_str()))
                .collect();
            assert!(
                extra.is_empty(),
                "{}: unknown entries {extra:?}",
                lang.as_str()
            );
        }
    }

    #[test]
    fn the_absence_message_says_a_missing_swipe_is_not_an_absence_in_every_language() {
        let payload = json!({
            "masked_name": "林○晴", "school_name": "仁愛國小", "time": "09:00",
            "date": "2026-11-23",
        });
        for (lang, words) in [
            (Lang::En, "A missing swipe is not an absence"),
            (Lang::Vi, "Không quẹt thẻ không có nghĩa là vắng mặt"),
            (
                Lang::Id,
                "Tidak menempelkan kartu tidak sama dengan tidak hadir",
            ),
        ] {
            let mut payload = payload.clone();
            payload["lang"] = lang.as_str().into();
            let (subject, body) = super::super::render("absence", &payload).expect("absence");
            assert!(subject.contains("林○晴"), "{subject}");
            let own = body.split(SEPARATOR).next().unwrap_or_default();
            assert!(own.contains(words) && own.contains("09:00"), "{own}");
            assert!(body.contains("未刷卡不等於缺席"), "{body}");
        }
    }

    #[test]
    fn codes_amounts_and_phone_numbers_stay_exact() {
        let payload = json!({
            "lang": "vi", "code": "012345", "minutes": 10, "masked_name": "林○晴",
            "outer_no_masked": "051234****",
        });
        let (_, body) = super::super::render("stop_code", &payload).expect("stop code");
        assert!(body.starts_with("Xin chào"), "{body}");
        assert!(body.contains("\nMã xác minh: 012345\n"), "{body}");
        let refund = json!({
            "lang": "id", "action": "refund", "masked_name": "王○明",
            "card_masked": "123456****", "serial_no": "ST20261130000001", "amount": 200,
            "paid_on": "2026-12-09",
        });
        let (_, body) = super::super::render("card_action", &refund).expect("refund");
        let own = body.split(SEPARATOR).next().unwrap_or_default();
        assert!(
            own.contains("NT$200") && own.contains("(07) 791-2000") && own.contains("2026-12-09"),
            "{own}"
        );
        assert_eq!(
            fill("{a} {b} {} {x-y}", &json!({ "a": "1", "b": 2 })),
            "1 2 {} {x-y}"
        );
    }
}
