//! The environment of SPEC §9, read once at start.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use app::server::outbox::transport::LINE_API_BASE;
use app::server::outbox::{
    LineSettings, NotificationSettings, SmsGatewaySettings, SmtpSettings, SmtpTls,
};

#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// `PORTAL_ADDR`
    pub addr: SocketAddr,
    /// `DATABASE_URL`
    pub database_url: String,
    /// `PORTAL_DEMO` (default on)
    pub demo: bool,
    /// `PORTAL_TEST_CAPTCHA`
    pub test_captcha: Option<String>,
    /// `PORTAL_VERIFY_PER_IP_PER_MIN`
    pub verify_per_ip_per_min: u32,
    /// `PORTAL_SECRET_KEY`; otherwise a key file under the data folder.
    pub secret_key: Option<String>,
    /// `PORTAL_DATA_DIR` (default `data`)
    pub data_dir: PathBuf,
    /// `PORTAL_SITE_DIR`: the Trunk output (default `dist`)
    pub site_dir: PathBuf,
    /// `PORTAL_SECURE_COOKIES=1` behind TLS
    pub secure_cookies: bool,
    /// `PORTAL_TRUSTED_PROXY`: the one address whose `X-Forwarded-For` is believed.
    pub trusted_proxy: Option<IpAddr>,
    /// `PORTAL_ISSUER_API_KEY`: the card issuer's key for `POST /api/v1/payments`
    /// (unset: the endpoint refuses every call).
    pub issuer_api_key: Option<String>,
    /// `PORTAL_REFUND_API_KEY`: the issuer's key for `POST /api/v1/refunds` (unset:
    /// refused).
    pub refund_api_key: Option<String>,
    /// `PORTAL_PRINT_CENTRE_API_KEY`: the print centre's key for
    /// `/api/v1/print-batches` and `/api/v1/print-results` (unset: refused).
    pub print_centre_api_key: Option<String>,
    /// `PORTAL_REQUIRE_MFA=1`: officers and operators need a TOTP second factor.
    pub require_mfa: bool,
    /// `PORTAL_LINE_CHANNEL_SECRET`: the LINE webhook's signature key.
    pub line_channel_secret: Option<String>,
    /// `PORTAL_LINE_OFFICIAL_ACCOUNT` (default `@student-card`).
    pub line_official_account: String,
    /// `PORTAL_ABSENCE_CHECK_AT` (`HH:MM` Taiwan time, default `09:00`).
    pub absence_check_at: chrono::NaiveTime,
    /// `PORTAL_SMTP_*`, `PORTAL_MAIL_FROM`, `PORTAL_LINE_*`: the outbox's transports.
    pub notifications: NotificationSettings,
    /// `PORTAL_LINE_PAY_API_BASE`, `PORTAL_LINE_PAY_CHANNEL_ID`,
    /// `PORTAL_LINE_PAY_CHANNEL_SECRET` (all or none): «LINE Pay 付款».
    pub line_pay: Option<app::server::line_pay::LinePaySettings>,
    /// `PORTAL_SWIPE_MAX_AGE_HOURS` (default 168): older swipes are refused.
    pub swipe_max_age_hours: u32,
    /// `PORTAL_SWIPE_MAX_AHEAD_SECONDS` (default 300): swipes dated further ahead of
    /// the server's clock are refused.
    pub swipe_max_ahead_seconds: u32,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl ServerConfig {
    /// # Errors
    /// A message naming the variable that has an unusable value.
    pub fn from_env() -> Result<Self, String> {
        let data_dir = PathBuf::from(var("PORTAL_DATA_DIR").unwrap_or_else(|| "data".into()));
        let addr = var("PORTAL_ADDR")
            .unwrap_or_else(|| "127.0.0.1:3000".into())
            .parse()
            .map_err(|e| format!("PORTAL_ADDR: {e}"))?;
        let database_url = var("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}/portal.db", data_dir.display()));
        let verify_per_ip_per_min = match var("PORTAL_VERIFY_PER_IP_PER_MIN") {
            Some(v) => v
                .parse()
                .map_err(|e| format!("PORTAL_VERIFY_PER_IP_PER_MIN: {e}"))?,
            None => 10,
        };
        let site_dir = var("PORTAL_SITE_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                let local = PathBuf::from("dist");
                if local.join("index.html").exists() {
                    local
                } else {
                    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../dist"))
                }
            });
        let trusted_proxy = match var("PORTAL_TRUSTED_PROXY") {
            Some(v) => Some(
                v.parse()
                    .map_err(|e| format!("PORTAL_TRUSTED_PROXY: {e}"))?,
            ),
            None => None,
        };
        let number = |name: &str, default: u32| match var(name) {
            Some(v) => v.parse::<u32>().map_err(|e| format!("{name}: {e}")),
            None => Ok(default),
        };
        Ok(Self {
            swipe_max_age_hours: number("PORTAL_SWIPE_MAX_AGE_HOURS", 168)?,
            swipe_max_ahead_seconds: number("PORTAL_SWIPE_MAX_AHEAD_SECONDS", 300)?,
            addr,
            database_url,
            demo: var("PORTAL_DEMO").as_deref() != Some("0"),
            test_captcha: var("PORTAL_TEST_CAPTCHA"),
            verify_per_ip_per_min,
            secret_key: var("PORTAL_SECRET_KEY"),
            data_dir,
            site_dir,
            secure_cookies: var("PORTAL_SECURE_COOKIES").as_deref() == Some("1"),
            trusted_proxy,
            issuer_api_key: var("PORTAL_ISSUER_API_KEY"),
            refund_api_key: var("PORTAL_REFUND_API_KEY"),
            print_centre_api_key: var("PORTAL_PRINT_CENTRE_API_KEY"),
            require_mfa: var("PORTAL_REQUIRE_MFA").as_deref() == Some("1"),
            line_channel_secret: var("PORTAL_LINE_CHANNEL_SECRET"),
            line_official_account: var("PORTAL_LINE_OFFICIAL_ACCOUNT")
                .unwrap_or_else(|| "@student-card".into()),
            absence_check_at: match var("PORTAL_ABSENCE_CHECK_AT") {
                Some(v) => chrono::NaiveTime::parse_from_str(&v, "%H:%M")
                    .map_err(|e| format!("PORTAL_ABSENCE_CHECK_AT (HH:MM): {e}"))?,
                None => chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(),
            },
            notifications: notifications_from(var)?,
            line_pay: line_pay_from(var)?,
        })
    }

    /// What the server functions need of this configuration.
    pub fn portal_config(&self) -> app::server::PortalConfig {
        app::server::PortalConfig {
            test_captcha: self.test_captcha.clone(),
            verify_per_ip_per_min: self.verify_per_ip_per_min,
            data_dir: self.data_dir.clone(),
            require_mfa: self.require_mfa,
            line_channel_secret: self.line_channel_secret.clone(),
            line_official_account: self.line_official_account.clone(),
            absence_check_at: self.absence_check_at,
            notifications: self.notifications.clone(),
            demo: self.demo,
            swipe_max_age: chrono::Duration::hours(i64::from(self.swipe_max_age_hours)),
            swipe_max_ahead: chrono::Duration::seconds(i64::from(self.swipe_max_ahead_seconds)),
            // `serve` replaces it with its slot's stable id (`server::instance`).
            instance_id: app::server::instance::transient_id(),
            line_pay: self.line_pay.clone(),
        }
    }

    /// The secret for PII encryption: `PORTAL_SECRET_KEY`, else `data/secret.key`
    /// (created with 32 random bytes on first use).
    ///
    /// # Errors
    /// When the key file cannot be read or written, or the key is too short.
    pub fn load_secret(&self) -> Result<Vec<u8>, String> {
        if let Some(k) = &self.secret_key {
            if k.len() < 32 {
                return Err("PORTAL_SECRET_KEY must be at least 32 characters".into());
            }
            return Ok(k.as_bytes().to_vec());
        }
        let path = self.data_dir.join("secret.key");
        if let Ok(existing) = std::fs::read(&path)
            && existing.len() >= 32
        {
            return Ok(existing);
        }
        std::fs::create_dir_all(&self.data_dir)
            .map_err(|e| format!("creating {}: {e}", self.data_dir.display()))?;
        let mut key = vec![0u8; 32];
        getrandom(&mut key);
        std::fs::write(&path, &key).map_err(|e| format!("writing {}: {e}", path.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
        }
        Ok(key)
    }
}

/// LINE Pay with all three of `PORTAL_LINE_PAY_API_BASE`, `PORTAL_LINE_PAY_CHANNEL_ID`
/// and `PORTAL_LINE_PAY_CHANNEL_SECRET`; none: not offered; some: an error, so a
/// half-configured payment never starts.
fn line_pay_from(
    var: impl Fn(&str) -> Option<String>,
) -> Result<Option<app::server::line_pay::LinePaySettings>, String> {
    match (
        var("PORTAL_LINE_PAY_API_BASE"),
        var("PORTAL_LINE_PAY_CHANNEL_ID"),
        var("PORTAL_LINE_PAY_CHANNEL_SECRET"),
    ) {
        (None, None, None) => Ok(None),
        (Some(api_base), Some(channel_id), Some(channel_secret)) => {
            if !(api_base.starts_with("https://") || api_base.starts_with("http://")) {
                return Err("PORTAL_LINE_PAY_API_BASE must be an http(s) URL".into());
            }
            Ok(Some(app::server::line_pay::LinePaySettings {
                api_base,
                channel_id,
                channel_secret,
            }))
        }
        _ => Err(concat!(
            "PORTAL_LINE_PAY_API_BASE, PORTAL_LINE_PAY_CHANNEL_ID and ",
            "PORTAL_LINE_PAY_CHANNEL_SECRET go together"
        )
        .into()),
    }
}

/// E-mail through SMTP when `PORTAL_SMTP_HOST` is set (with `PORTAL_MAIL_FROM`
/// required), LINE through the Messaging API when `PORTAL_LINE_CHANNEL_TOKEN` is set,
/// SMS through the HTTP gateway of `PORTAL_SMS_GATEWAY_URL` (with `PORTAL_SMS_USER`
/// and `PORTAL_SMS_PASSWORD`); otherwise the development files.
fn notifications_from(
    var: impl Fn(&str) -> Option<String>,
) -> Result<NotificationSettings, String> {
    let smtp = match var("PORTAL_SMTP_HOST") {
        None => None,
        Some(host) => {
            let tls = match var("PORTAL_SMTP_TLS") {
                Some(v) => {
                    SmtpTls::parse(&v).ok_or("PORTAL_SMTP_TLS: use none, starttls or tls")?
                }
                None => SmtpTls::StartTls,
            };
            let port = match var("PORTAL_SMTP_PORT") {
                Some(v) => v.parse().map_err(|e| format!("PORTAL_SMTP_PORT: {e}"))?,
                None => tls.default_port(),
            };
            let credentials = match (var("PORTAL_SMTP_USER"), var("PORTAL_SMTP_PASSWORD")) {
                (Some(user), Some(password)) => Some((user, password)),
                (None, None) => None,
                _ => return Err("PORTAL_SMTP_USER and PORTAL_SMTP_PASSWORD go together".into()),
            };
            let from = var("PORTAL_MAIL_FROM")
                .ok_or("PORTAL_MAIL_FROM: required with PORTAL_SMTP_HOST")?;
            Some(SmtpSettings {
                host,
                port,
                tls,
                credentials,
                from,
            })
        }
    };
    let sms = match (
        var("PORTAL_SMS_GATEWAY_URL"),
        var("PORTAL_SMS_USER"),
        var("PORTAL_SMS_PASSWORD"),
    ) {
        (None, _, _) => None,
        (Some(url), Some(user), Some(password)) => Some(SmsGatewaySettings {
            url,
            user,
            password,
        }),
        (Some(_), _, _) => {
            return Err(
                "PORTAL_SMS_GATEWAY_URL needs PORTAL_SMS_USER and PORTAL_SMS_PASSWORD".into(),
            );
        }
    };
    Ok(NotificationSettings {
        smtp,
        sms,
        line: LineSettings {
            api_base: var("PORTAL_LINE_API_BASE").unwrap_or_else(|| LINE_API_BASE.into()),
            channel_token: var("PORTAL_LINE_CHANNEL_TOKEN"),
        },
        ..NotificationSettings::default()
    })
}

fn getrandom(buf: &mut [u8]) {
    use rand::RngCore;
    rand::rngs::OsRng.fill_bytes(buf);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<NotificationSettings, String> {
        notifications_from(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn without_providers_messages_go_to_files() {
        let s = settings(&[]).expect("settings");
        assert_eq!(s.smtp, None);
        assert_eq!(s.line.api_base, "https://api.line.me");
        assert_eq!(s.line.channel_token, None);
        assert_eq!(s.sms, None);
    }

    #[test]
    fn an_sms_gateway_needs_its_account() {
        let url = (
            "PORTAL_SMS_GATEWAY_URL",
            "https://sms.example/api/mtk/SmSend",
        );
        let s = settings(&[
            url,
            ("PORTAL_SMS_USER", "school"),
            ("PORTAL_SMS_PASSWORD", "secret"),
        ])
        .expect("settings");
        let sms = s.sms.expect("sms");
        assert_eq!(
            (sms.url.as_str(), sms.user.as_str(), sms.password.as_str()),
            ("https://sms.example/api/mtk/SmSend", "school", "secret")
        );
        let err = settings(&[url, ("PORTAL_SMS_USER", "school")]).expect_err("refused");
        assert!(err.starts_with("PORTAL_SMS_GATEWAY_URL"), "{err}");
    }

    #[test]
    fn smtp_settings_come_from_the_environment_with_tls_dependent_ports() {
        let s = settings(&[
            ("PORTAL_SMTP_HOST", "smtp.example.com"),
            ("PORTAL_SMTP_USER", "mailer"),
            ("PORTAL_SMTP_PASSWORD", "secret"),
            ("PORTAL_MAIL_FROM", "學生證服務 <no-reply@example.com>"),
            ("PORTAL_LINE_CHANNEL_TOKEN", "token"),
            ("PORTAL_LINE_API_BASE", "http://127.0.0.1:9"),
        ])
        .expect("settings");
        let smtp = s.smtp.expect("smtp");
        assert_eq!((smtp.tls, smtp.port), (SmtpTls::StartTls, 587));
        assert_eq!(smtp.credentials, Some(("mailer".into(), "secret".into())));
        assert_eq!(s.line.channel_token.as_deref(), Some("token"));
        assert_eq!(s.line.api_base, "http://127.0.0.1:9");
        let tls = settings(&[
            ("PORTAL_SMTP_HOST", "smtp.example.com"),
            ("PORTAL_SMTP_TLS", "tls"),
            ("PORTAL_MAIL_FROM", "no-reply@example.com"),
        ])
        .expect("settings")
        .smtp
        .expect("smtp");
        assert_eq!((tls.port, tls.credentials), (465, None));
    }

    #[test]
    fn unusable_smtp_settings_name_the_variable() {
        let host = ("PORTAL_SMTP_HOST", "smtp.example.com");
        let from = ("PORTAL_MAIL_FROM", "no-reply@example.com");
        let err = |vars: &[(&str, &str)]| settings(vars).expect_err("refused");
        assert!(err(&[host]).starts_with("PORTAL_MAIL_FROM"));
        assert!(err(&[host, from, ("PORTAL_SMTP_TLS", "ssl")]).starts_with("PORTAL_SMTP_TLS"));
        assert!(err(&[host, from, ("PORTAL_SMTP_PORT", "x")]).starts_with("PORTAL_SMTP_PORT"));
        assert!(
            err(&[host, from, ("PORTAL_SMTP_USER", "mailer")]).contains("PORTAL_SMTP_PASSWORD")
        );
    }
}
