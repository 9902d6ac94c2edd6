//! Whole wizards as a phone runs them, over HTTP, for load tests: a generated roster
//! of distinct holders, the stop wizard (consent → verification → choose the card →
//! step-up code from the development outbox when the roster has a contact → stop)
//! and the apply wizard (consent → verification → headshot → application).
//!
//! Used by `tests/serials.rs` and by `examples/load_fault.rs` (`scripts/load-fault.sh`),
//! so it needs nothing of the test harness: reqwest, serde_json and `app::domain`.
//! Each wizard runs in two halves, [`prepare_stop`] / [`prepare_apply`] and then
//! [`Prepared::submit`], so a caller can hold every client at the confirmation page
//! and let them all press «送出» at once.

use app::domain::id_number::with_check_digit;
use reqwest::StatusCode;
use reqwest::header::{HeaderValue, ORIGIN};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The roster header (SPEC §9) with the optional contact columns.
pub const ROSTER_HEADER: &str = "school_code,school_name,district,level,student_no,name,id_no,birth_date,gender,class,seat_no,card_type,card_outer_no,card_status,card_balance,card_issued_on,guardian_mobile,guardian_email";
/// The captcha answer the servers accept (`PORTAL_TEST_CAPTCHA`).
pub const LOAD_CAPTCHA: &str = "TESTCAPTCHA";
const BIRTH: &str = "2014-06-15";

/// A generated card holder.
#[derive(Clone, Debug)]
pub struct LoadHolder {
    pub id_no: String,
    pub birth_date: String,
    pub card_outer_no: String,
    /// The guardian e-mail on the roster (step-up codes go there), if any.
    pub guardian_email: Option<String>,
    pub student_no: String,
}

/// `n` holders with an active card (for stops) or a stopped one (for applications);
/// `letter` keeps several groups apart in one roster. Every other holder of a stop
/// group has a guardian e-mail, so half the stops go through a step-up code.
pub fn load_holders(letter: char, n: usize, stopped_cards: bool) -> Vec<LoadHolder> {
    (0..n)
        .map(|i| {
            let digits = format!("1{i:07}");
            let id_no = with_check_digit(letter, &digits).expect("a valid ID");
            let group = u32::from(letter) % 10;
            LoadHolder {
                id_no,
                birth_date: BIRTH.to_owned(),
                card_outer_no: format!("L{group}{i:08}"),
                guardian_email: (!stopped_cards && i % 2 == 0)
                    .then(|| format!("guardian.{}.{i}@example.com", letter.to_ascii_lowercase())),
                student_no: format!("{group}{i:07}"),
            }
        })
        .collect()
}

/// The roster CSV of `holders` (one primary school, boys, `KL-PRIMARY` cards).
pub fn load_roster(holders: &[LoadHolder], stopped_cards: bool) -> String {
    let status = if stopped_cards { "stopped" } else { "active" };
    let mut csv = format!("{ROSTER_HEADER}\n");
    for (i, h) in holders.iter().enumerate() {
        csv.push_str(&format!(
            "173601,基隆市立仁愛國小,仁愛區,國小,{},測試生{i},{},{},M,501,{},KL-PRIMARY,{},{status},150,2021-09-01,,{}\n",
            h.student_no,
            h.id_no,
            h.birth_date,
            i % 99 + 1,
            h.card_outer_no,
            h.guardian_email.as_deref().unwrap_or(""),
        ));
    }
    csv
}

/// How one wizard ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The receipt's serial number.
    Acknowledged(String),
    /// A 5xx answer at `step`.
    ServerError {
        step: &'static str,
        status: u16,
        body: String,
    },
    /// Any other refusal at `step` (a 4xx).
    Refused {
        step: &'static str,
        status: u16,
        body: String,
    },
    /// No answer at all at `step` (connection refused or reset, timeout).
    Unreachable { step: &'static str, error: String },
}

impl Outcome {
    pub fn serial(&self) -> Option<&str> {
        match self {
            Outcome::Acknowledged(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_5xx(&self) -> bool {
        matches!(self, Outcome::ServerError { .. })
    }
}

/// A phone: its own cookie jar, `Origin` on every request like a browser's fetch.
pub struct Visitor {
    http: reqwest::Client,
    base: String,
}

impl Visitor {
    pub fn new(base: &str) -> Self {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .timeout(Duration::from_secs(60))
            .build()
            .expect("HTTP client");
        Self {
            http,
            base: base.to_owned(),
        }
    }

    pub async fn send(
        &self,
        step: &'static str,
        req: reqwest::RequestBuilder,
    ) -> Result<Value, Outcome> {
        let origin = HeaderValue::from_str(&self.base).expect("base URL");
        let res = req
            .header(ORIGIN, origin)
            .send()
            .await
            .map_err(|e| Outcome::Unreachable {
                step,
                error: e.to_string(),
            })?;
        let status = res.status();
        let body = res.text().await.unwrap_or_default();
        if status.is_server_error() {
            return Err(Outcome::ServerError {
                step,
                status: status.as_u16(),
                body,
            });
        }
        if !status.is_success() {
            return Err(Outcome::Refused {
                step,
                status: status.as_u16(),
                body,
            });
        }
        Ok(serde_json::from_str(&body).unwrap_or(Value::Null))
    }

    pub async fn get(&self, step: &'static str, path: &str) -> Result<Value, Outcome> {
        self.send(step, self.http.get(format!("{}{path}", self.base)))
            .await
    }

    pub async fn post_form(
        &self,
        step: &'static str,
        path: &str,
        form: &[(&str, &str)],
    ) -> Result<Value, Outcome> {
        self.send(
            step,
            self.http.post(format!("{}{path}", self.base)).form(form),
        )
        .await
    }

    pub async fn post_json(
        &self,
        step: &'static str,
        path: &str,
        body: &Value,
    ) -> Result<Value, Outcome> {
        self.send(
            step,
            self.http.post(format!("{}{path}", self.base)).json(body),
        )
        .await
    }

    /// Consent, a captcha and a verification in `wizard`.
    pub async fn verify(&self, wizard: &str, holder: &LoadHolder) -> Result<(), Outcome> {
        let notice = self.get("consent", "/api/consent/notice").await?;
        let version = notice["version"].as_str().unwrap_or("1").to_owned();
        self.post_form(
            "consent",
            "/api/consent/accept",
            &[("wizard", wizard), ("version", &version)],
        )
        .await?;
        self.post_form("captcha", "/api/identity/captcha", &[])
            .await?;
        self.post_json(
            "verify",
            "/api/identity/verify",
            &json!({ "input": {
                "wizard": wizard,
                "method": "national",
                "id_no": holder.id_no,
                "birth_date": holder.birth_date,
                "captcha": LOAD_CAPTCHA,
            }}),
        )
        .await?;
        Ok(())
    }
}

/// A wizard at its confirmation page.
pub struct Prepared {
    visitor: Visitor,
    path: &'static str,
    body: Value,
}

impl Prepared {
    /// Presses «送出»: the receipt's serial number, or how it failed.
    pub async fn submit(&self) -> Outcome {
        match self
            .visitor
            .post_json("submit", self.path, &self.body)
            .await
        {
            Ok(receipt) => match receipt["serial_no"].as_str() {
                Some(serial) => Outcome::Acknowledged(serial.to_owned()),
                None => Outcome::Refused {
                    step: "submit",
                    status: StatusCode::OK.as_u16(),
                    body: receipt.to_string(),
                },
            },
            Err(outcome) => outcome,
        }
    }

    /// Sends later requests to another instance (same cookies, same idempotency
    /// key), as a phone would after its server went away: sessions live in the
    /// database, and cookies are kept per host, not per port.
    pub fn retarget(&mut self, base: &str) {
        base.clone_into(&mut self.visitor.base);
    }
}

/// The stop wizard up to its confirmation page: consent, verification, the card, a
/// step-up code from `outbox_dir` when the roster has a contact; no refund.
pub async fn prepare_stop(
    base: &str,
    holder: &LoadHolder,
    outbox_dir: &Path,
    key: &str,
) -> Result<Prepared, Outcome> {
    let visitor = Visitor::new(base);
    visitor.verify("stop", holder).await?;
    let overview = visitor.get("overview", "/api/stop/overview").await?;
    let card_ref = overview["cards"][0]["card_ref"]
        .as_str()
        .ok_or_else(|| Outcome::Refused {
            step: "overview",
            status: 200,
            body: overview.to_string(),
        })?
        .to_owned();
    let code = if overview["step_up_contact"].is_null() {
        None
    } else {
        visitor
            .post_form(
                "send-code",
                "/api/stop/send-code",
                &[("card_ref", &card_ref)],
            )
            .await?;
        let to = holder.guardian_email.clone().unwrap_or_default();
        Some(
            wait_for_code(outbox_dir, &to)
                .await
                .ok_or(Outcome::Refused {
                    step: "send-code",
                    status: 200,
                    body: format!("no code for {to} in {}", outbox_dir.display()),
                })?,
        )
    };
    Ok(Prepared {
        visitor,
        path: "/api/stop/submit",
        body: json!({ "input": {
            "card_ref": card_ref,
            "choice": "no_refund",
            "step_up_code": code,
            "idempotency_key": key,
        }}),
    })
}

/// The apply wizard up to its confirmation page: consent, verification, `headshot`
/// (a 230×288 JPEG or PNG) uploaded; delivery to the school.
pub async fn prepare_apply(
    base: &str,
    holder: &LoadHolder,
    headshot: &[u8],
    key: &str,
) -> Result<Prepared, Outcome> {
    let visitor = Visitor::new(base);
    visitor.verify("apply", holder).await?;
    visitor
        .send(
            "photo",
            visitor
                .http
                .post(format!("{base}/api/apply/photo"))
                .header("content-type", "image/jpeg")
                .body(headshot.to_vec()),
        )
        .await?;
    Ok(Prepared {
        visitor,
        path: "/api/apply/submit",
        body: json!({ "input": {
            "draft": {
                "card_type": "KL-PRIMARY",
                "reason": "lost",
                "mobile": "0912345678",
                "email": "parent@example.com",
                "address": "基隆市仁愛區愛一路1號",
                "delivery": "school",
                "recipient_name": "王大明",
                "recipient_address": "",
                "recipient_phone": "02-2422-1234",
            },
            "idempotency_key": key,
        }}),
    })
}

/// The 6-digit code of the newest outbox message to `to`, waiting up to 20 s.
pub async fn wait_for_code(outbox_dir: &Path, to: &str) -> Option<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(code) = newest_code(outbox_dir, to) {
            return Some(code);
        }
        if Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn newest_code(outbox_dir: &Path, to: &str) -> Option<String> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(outbox_dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    paths.sort();
    paths.iter().rev().find_map(|path| {
        let text = std::fs::read_to_string(path).ok()?;
        let addressed = text
            .lines()
            .take_while(|l| !l.is_empty())
            .any(|l| l.starts_with("To:") && l.contains(to));
        if !addressed {
            return None;
        }
        text.lines().find_map(|l| {
            let code = l.trim().strip_prefix("驗證碼：")?.trim();
            (code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())).then(|| code.to_owned())
        })
    })
}
