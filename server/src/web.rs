//! The HTTP surface: server functions under `/api`, the machine API under `/api/v1`,
//! and the built SPA with an `index.html` fallback, wrapped in the security
//! middleware of SPEC §7.

use app::server::AppState;
use app::server::audit::{self, Actor, AuditEvent};
use app::server::context::{CallContext, ClientContext};
use app::server::session_store::DbSessionStore;
use app::ui::AppPart;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use sha2::{Digest, Sha256};
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::config::ServerConfig;
use crate::{api_errors, body_limit};

/// Idle timeout of a session (SPEC §7).
pub const SESSION_IDLE_MINUTES: i64 = 30;

#[derive(Clone)]
pub(crate) struct WebState {
    pub(crate) app: AppState,
    trusted_proxy: Option<IpAddr>,
    /// Each page's html (`dist/<bundle>/index.html`), in `AppPart::ALL`'s order; a
    /// path is answered with the page of `AppPart::of(path)`.
    pages: Arc<[String; 5]>,
    /// `/` rendered on the server per language (`None` with a site built without it).
    home: Option<Arc<crate::home_page::HomePages>>,
    /// Made once: a header value is checked when it is made, not when it is cloned.
    csp: Option<HeaderValue>,
    /// Served over TLS (`PORTAL_SECURE_COOKIES=1`): also send HSTS.
    behind_tls: bool,
    /// SHA-256 of `PORTAL_ISSUER_API_KEY`, if set.
    issuer_key_hash: Option<[u8; 32]>,
    /// The database's reachability as `/api/v1/health` reports it.
    pub(crate) db_probe: Arc<crate::health::DbProbe>,
}

impl WebState {
    fn page(&self, part: AppPart) -> &str {
        let at = AppPart::ALL.iter().position(|p| *p == part).unwrap_or(0);
        &self.pages[at]
    }
}

/// The Content-Security-Policy: strict, with Wasm allowed and the hashes of the inline
/// scripts Trunk writes into `index.html`.
fn content_security_policy(index_html: &str) -> String {
    use base64::Engine;
    let mut script_src = String::from("'self' 'wasm-unsafe-eval'");
    let mut rest = index_html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else {
            break;
        };
        let tag = &after[..open_end];
        let body_start = open_end + 1;
        let Some(close) = after[body_start..].find("</script>") else {
            break;
        };
        let body = &after[body_start..body_start + close];
        if !tag.contains("src=") && !body.trim().is_empty() {
            let digest = Sha256::digest(body.as_bytes());
            script_src.push_str(&format!(
                " 'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        rest = &after[body_start + close..];
    }
    format!(
        "default-src 'self'; script-src {script_src}; style-src 'self'; img-src 'self' data: blob:; \
         media-src 'self' data: blob:; font-src 'self'; connect-src 'self' blob:; object-src 'none'; \
         frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )
}

/// Builds the whole application router.
pub async fn router(app: AppState, config: &ServerConfig) -> Router {
    let index_path = config.site_dir.join("index.html");
    let index_html = std::fs::read_to_string(&index_path).unwrap_or_else(|_| {
        tracing::warn!(path = %index_path.display(), "no built site; run the build first (see README)");
        "<!doctype html><html lang=\"zh-TW\"><meta charset=\"utf-8\"><title>學生證服務</title>\
         <p>The web app is not built yet. Run <code>scripts/run.sh</code>.</p></html>"
            .into()
    });
    // Without a built page of its own a path gets the home page (and its not-found page).
    let pages: [String; 5] = AppPart::ALL.map(|part| match part.bundle() {
        None => index_html.clone(),
        Some(bundle) => std::fs::read_to_string(config.site_dir.join(bundle).join("index.html"))
            .unwrap_or_else(|_| index_html.clone()),
    });
    let home = crate::home_page::HomePages::load(&config.site_dir).map(Arc::new);
    if home.is_none() {
        tracing::warn!("no dist/home/index.html: the home page is the Wasm one (rebuild the site)");
    }
    let state = WebState {
        app: app.clone(),
        trusted_proxy: config.trusted_proxy,
        csp: HeaderValue::from_str(&content_security_policy(&format!(
            "{}\n{}",
            pages.join("\n"),
            home.as_ref().map_or("", |h| h.any_page())
        )))
        .ok(),
        home,
        behind_tls: config.secure_cookies,
        issuer_key_hash: config
            .issuer_api_key
            .as_ref()
            .map(|k| Sha256::digest(k.as_bytes()).into()),
        pages: Arc::new(pages),
        db_probe: crate::health::DbProbe::start(app.db.clone()).await,
    };

    let sessions = SessionManagerLayer::new(DbSessionStore::new(app.ephemeral.clone()))
        .with_name("portal_session")
        .with_http_only(true)
        .with_path("/")
        .with_same_site(SameSite::Lax)
        .with_secure(config.secure_cookies)
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(
            SESSION_IDLE_MINUTES,
        )));

    let api_v1 = Router::new()
        .route("/api/v1/health", get(crate::health::health))
        .route(
            "/api/v1/payments",
            post(post_payments).layer(middleware::from_fn(|r, n| {
                body_limit::limit(PAYMENTS_BODY_LIMIT, r, n)
            })),
        )
        .route(
            "/api/v1/swipes",
            post(post_swipe).layer(middleware::from_fn(|r, n| {
                body_limit::limit(SMALL_BODY_LIMIT, r, n)
            })),
        )
        .route(
            "/api/v1/line/webhook",
            post(line_webhook).layer(middleware::from_fn(|r, n| {
                body_limit::limit(SMALL_BODY_LIMIT, r, n)
            })),
        )
        .route("/api/v1/{*rest}", any(api_not_found))
        .layer(middleware::map_response(api_errors::json_errors))
        .with_state(state.clone());

    let captcha_audio = Router::new()
        .route(
            &format!("{}{{token}}", app::server::captcha::AUDIO_PATH),
            get(crate::captcha_audio::captcha_audio),
        )
        .with_state(state.clone());

    let server_fns = Router::new()
        .route("/api/school/export.csv", get(school_export))
        .route("/api/school/bindings.csv", get(school_bindings_export))
        .route("/api/school/report.csv", get(crate::report_csv::report_csv))
        .route("/api/school/photo/{item_ref}", get(school_photo))
        .route(
            "/api/school/print-batches/{id}/export.zip",
            get(school_print_batch_export),
        )
        .route(
            "/api/consent/receipt",
            get(crate::receipts::consent_receipt),
        )
        .route(
            "/api/apply/photo",
            get(session_headshot)
                .post(upload_headshot)
                .layer(RequestBodyLimitLayer::new(
                    app::server::photo::MAX_UPLOAD_BYTES,
                )),
        )
        .route(
            "/api/{*fn_name}",
            get(server_fn_handler).post(server_fn_handler),
        )
        .layer(api_compression())
        .layer(sessions)
        .with_state(state.clone());

    let site = site_service(&config.site_dir, state.clone());

    Router::new()
        .merge(api_v1)
        .merge(captcha_audio)
        .merge(crate::machine_api::routes(app.clone(), config))
        .merge(crate::line_pay_return::routes(app.clone()))
        .merge(server_fns)
        .fallback_service(site)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security_headers,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            same_origin_guard,
        ))
        .layer(middleware::from_fn_with_state(state, client_context))
}

/// gzip for server-function replies above a few hundred bytes (lists, timelines,
/// the captcha image's base64), when the browser accepts it; small replies and images
/// go as they are, where compression would cost more than it saves.
fn api_compression() -> tower_http::compression::CompressionLayer<
    tower_http::compression::predicate::And<
        tower_http::compression::DefaultPredicate,
        tower_http::compression::predicate::SizeAbove,
    >,
> {
    use tower_http::compression::predicate::{Predicate, SizeAbove};
    tower_http::compression::CompressionLayer::new()
        .compress_when(tower_http::compression::DefaultPredicate::new().and(SizeAbove::new(400)))
}

fn site_service(dir: &Path, state: WebState) -> Router {
    let assets = ServeDir::new(dir)
        .precompressed_gzip()
        .precompressed_br()
        .fallback(ServeFile::new(dir.join("index.html")));
    Router::new()
        .route("/", get(index))
        .fallback_service(assets)
        .layer(middleware::from_fn_with_state(state.clone(), spa_fallback))
        .with_state(state)
}

async fn index(State(state): State<WebState>, headers: HeaderMap) -> Response {
    match &state.home {
        Some(home) => home.respond(&headers),
        None => html_page(state.page(AppPart::Main)),
    }
}

fn html_page(html: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        html.to_owned(),
    )
        .into_response()
}

/// Deep links (`/card/query/verify`) are routes of the SPA: answer them with
/// `index.html` (the stop wizard's own page for `/card/stop/*`); hashed assets get a
/// year of caching.
async fn spa_fallback(State(state): State<WebState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let looks_like_file = path
        .rsplit('/')
        .next()
        .is_some_and(|last| last.contains('.'));
    if !looks_like_file && req.method() == Method::GET {
        // The development outbox exists only in development (SPEC §5).
        if path == "/dev/outbox" && !state.app.config.dev_outbox_enabled() {
            return StatusCode::NOT_FOUND.into_response();
        }
        // `/` is its own route (`index`: the home page the server renders).
        if path != "/" {
            return html_page(state.page(AppPart::of(&path)));
        }
    }
    let mut res = next.run(req).await;
    if looks_like_file && (res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED) {
        res.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        );
        // The same path is sent as br, gzip or plain by Accept-Encoding: a shared
        // cache must keep them apart. (Revalidation: ServeDir's Last-Modified.)
        res.headers_mut()
            .insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    res
}

async fn server_fn_handler(State(state): State<WebState>, req: Request<Body>) -> impl IntoResponse {
    let client = req.extensions().get::<ClientContext>().cloned();
    let session = req.extensions().get::<tower_sessions::Session>().cloned();
    let (Some(client), Some(session)) = (client, session) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let call = CallContext {
        state: state.app.clone(),
        client,
        session,
    };
    leptos_axum::handle_server_fns_with_context(move || call.clone().provide(), req)
        .await
        .into_response()
}

/// The largest payment list `POST /api/v1/payments` reads.
const PAYMENTS_BODY_LIMIT: usize = 1024 * 1024;

pub(crate) fn call_context(state: &WebState, req: &Request<Body>) -> Option<CallContext> {
    Some(CallContext {
        state: state.app.clone(),
        client: req.extensions().get::<ClientContext>().cloned()?,
        session: req.extensions().get::<tower_sessions::Session>().cloned()?,
    })
}

/// An [`app::AppError`] as the browser's server-function client reads it.
pub(crate) fn app_error_response(err: &app::AppError) -> Response {
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_string(err).unwrap_or_default(),
    )
        .into_response()
}

/// `POST /api/apply/photo`: the cropped headshot (JPEG or PNG bytes) for this
/// session's application. Bodies over the limit get 413 before they are read.
async fn upload_headshot(State(state): State<WebState>, req: Request<Body>) -> Response {
    let Some(cx) = call_context(&state, &req) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let limit = app::server::photo::MAX_UPLOAD_BYTES;
    let Ok(bytes) = axum::body::to_bytes(req.into_body(), limit).await else {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::to_string(&app::AppError::field("photo", "photo_too_big"))
                .unwrap_or_default(),
        )
            .into_response();
    };
    match app::apply::service::upload_photo(&cx, &bytes).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => app_error_response(&e),
    }
}

/// `GET /api/apply/photo`: the headshot uploaded in this session.
async fn session_headshot(State(state): State<WebState>, req: Request<Body>) -> Response {
    let Some(cx) = call_context(&state, &req) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    match app::apply::service::session_photo_bytes(&cx).await {
        Ok(jpeg) => ([(header::CONTENT_TYPE, "image/jpeg")], jpeg).into_response(),
        Err(e) => app_error_response(&e),
    }
}

/// `GET /api/school/export.csv?…`: the queue with the page's filters as a CSV
/// download (UTF-8 with BOM, so Excel in Taiwan reads it right).
async fn school_export(
    State(state): State<WebState>,
    axum::extract::Query(filter): axum::extract::Query<app::school::QueueFilter>,
    req: Request<Body>,
) -> Response {
    let Some(cx) = call_context(&state, &req) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    match app::school::service::export_csv(&cx, filter).await {
        Ok(csv) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"card-queue.csv\"",
                ),
            ],
            csv,
        )
            .into_response(),
        Err(e) => app_error_response(&e),
    }
}

/// `GET /api/school/bindings.csv?status=…`: the binding requests in scope as CSV.
async fn school_bindings_export(
    State(state): State<WebState>,
    axum::extract::Query(filter): axum::extract::Query<app::parent::BindingFilter>,
    req: Request<Body>,
) -> Response {
    let Some(cx) = call_context(&state, &req) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    match app::school::service::export_bindings_csv(&cx, filter).await {
        Ok(csv) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"binding-requests.csv\"",
                ),
            ],
            csv,
        )
            .into_response(),
        Err(e) => app_error_response(&e),
    }
}

/// `GET /api/school/print-batches/{id}/export.zip`: a print batch's print.csv and
/// headshots, within the staff member's scope.
async fn school_print_batch_export(
    State(state): State<WebState>,
    axum::extract::Path(id): axum::extract::Path<String>,
    req: Request<Body>,
) -> Response {
    let Some(cx) = call_context(&state, &req) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let Ok(id) = id.parse::<i32>() else {
        return app_error_response(&app::error::AppError::NotFound);
    };
    match app::school::service::export_print_batch(&cx, id).await {
        Ok(zip) => (
            [
                (header::CONTENT_TYPE, "application/zip".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"print-batch-{id}.zip\""),
                ),
            ],
            zip,
        )
            .into_response(),
        Err(e) => app_error_response(&e),
    }
}

/// `GET /api/school/photo/{item_ref}`: an application's headshot, within the staff
/// member's scope.
async fn school_photo(
    State(state): State<WebState>,
    axum::extract::Path(item_ref): axum::extract::Path<String>,
    req: Request<Body>,
) -> Response {
    let Some(cx) = call_context(&state, &req) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    match app::school::service::application_photo(&cx, &item_ref).await {
        Ok(jpeg) => ([(header::CONTENT_TYPE, "image/jpeg")], jpeg).into_response(),
        Err(e) => app_error_response(&e),
    }
}

/// The payments of `POST /api/v1/payments`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PaymentsBody {
    payments: Vec<app::apply::payments::PaymentRecord>,
}

/// `POST /api/v1/payments`: the issuer's reconciliation, the same rules as
/// `server import-payments`. Authenticated by `Authorization: Bearer <key>`.
async fn post_payments(State(state): State<WebState>, req: Request<Body>) -> Response {
    use app::apply::payments;
    let client = req.extensions().get::<ClientContext>().cloned();
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|k| <[u8; 32]>::from(Sha256::digest(k.trim().as_bytes())));
    let authorised = match (state.issuer_key_hash, presented) {
        // Equal-length digests compared in full, so timing tells nothing of the key.
        (Some(expected), Some(given)) => {
            expected
                .iter()
                .zip(given.iter())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
        }
        _ => false,
    };
    if !authorised {
        let event = AuditEvent {
            actor: Actor::Visitor,
            action: "payment.api",
            subject: None,
            result: "denied",
            detail: Some(serde_json::json!({ "reason": "api_key" })),
        };
        if let Err(e) = audit::record(&state.app.db, client.as_ref(), event).await {
            tracing::error!(error = %e, "auditing a refused payments call failed");
        }
        return api_error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid API key is required",
        );
    }
    let Ok(bytes) = axum::body::to_bytes(req.into_body(), PAYMENTS_BODY_LIMIT).await else {
        return api_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "the body is too large",
        );
    };
    let body: PaymentsBody = match serde_json::from_slice(&bytes) {
        Ok(b) => b,
        Err(e) => {
            return api_error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
                &e.to_string(),
            );
        }
    };
    let records: Vec<(usize, payments::PaymentRecord)> = body
        .payments
        .into_iter()
        .enumerate()
        .map(|(i, r)| (i + 1, r))
        .collect();
    let problems: Vec<serde_json::Value> = records
        .iter()
        .filter_map(|(i, r)| {
            payments::record_problem(r).map(|p| serde_json::json!({ "index": i, "problem": p }))
        })
        .collect();
    if !problems.is_empty() || records.is_empty() {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(serde_json::json!({
                "error": "invalid_payments",
                "message": if records.is_empty() { "no payments" } else { "some payments are invalid; nothing was applied" },
                "problems": problems,
            })),
        )
            .into_response();
    }
    match payments::reconcile(&state.app, &records, Actor::Issuer, client.as_ref(), false).await {
        Ok(report) => Json(report).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "payment reconciliation failed");
            api_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "reconciliation failed",
            )
        }
    }
}

/// The largest swipe or LINE webhook body read.
const SMALL_BODY_LIMIT: usize = 64 * 1024;

fn bearer(req: &Request<Body>) -> Option<String> {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|k| k.trim().to_owned())
}

/// `POST /api/v1/swipes`: one gate reader event, authenticated by the reader's own
/// key (`Authorization: Bearer <key>`), idempotent by event id. The messages it
/// causes are queued in the same transaction; the outbox worker is woken to send them.
async fn post_swipe(State(state): State<WebState>, req: Request<Body>) -> Response {
    use app::notify::swipes::{self, SwipeRefusal};
    let client = req.extensions().get::<ClientContext>().cloned();
    let reader = match bearer(&req) {
        Some(key) => swipes::reader_by_key(&state.app, &key).await,
        None => Ok(None),
    };
    let reader = match reader {
        Ok(Some(r)) => r,
        Ok(None) => {
            let event = AuditEvent {
                actor: Actor::Visitor,
                action: "swipe.api",
                subject: None,
                result: "denied",
                detail: Some(serde_json::json!({ "reason": "api_key" })),
            };
            if let Err(e) = audit::record(&state.app.db, client.as_ref(), event).await {
                tracing::error!(error = %e, "auditing a refused swipe failed");
            }
            return api_error(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "a valid reader API key is required",
            );
        }
        Err(e) => return api_errors::from_app_error(&e),
    };
    let Ok(bytes) = axum::body::to_bytes(req.into_body(), SMALL_BODY_LIMIT).await else {
        return api_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "the body is too large",
        );
    };
    let event: app::notify::SwipeEvent = match serde_json::from_slice(&bytes) {
        Ok(e) => e,
        Err(e) => {
            return api_error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
                &e.to_string(),
            );
        }
    };
    match swipes::record_swipe(&state.app, &reader, &event).await {
        Ok((receipt, message_ids)) => {
            // The outbox worker sends them within about a second.
            if !message_ids.is_empty() {
                state.app.delivery.wake();
            }
            Json(receipt).into_response()
        }
        Err(SwipeRefusal::Invalid(fields)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(serde_json::json!({
                "error": "invalid_swipe",
                "message": "some fields are invalid",
                "fields": fields,
            })),
        )
            .into_response(),
        Err(SwipeRefusal::WrongReader) => api_error(
            StatusCode::FORBIDDEN,
            "wrong_reader",
            "reader_id is not the reader of this key",
        ),
        Err(SwipeRefusal::WrongSchool) => api_error(
            StatusCode::FORBIDDEN,
            "wrong_school",
            "the card belongs to a student of another school than this reader's",
        ),
        Err(SwipeRefusal::Failed(e)) => api_errors::from_app_error(&e),
    }
}

/// `POST /api/v1/line/webhook`: the LINE platform's events, signed with the channel
/// secret. A text message carrying a parent's link code links that LINE user.
async fn line_webhook(State(state): State<WebState>, req: Request<Body>) -> Response {
    use app::notify::swipes::{line_signature_ok, line_text_messages};
    let signature = req
        .headers()
        .get("x-line-signature")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let Ok(bytes) = axum::body::to_bytes(req.into_body(), SMALL_BODY_LIMIT).await else {
        return api_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "the body is too large",
        );
    };
    let signed = match (&state.app.config.line_channel_secret, signature) {
        (Some(secret), Some(sig)) => line_signature_ok(secret, &bytes, &sig),
        _ => false,
    };
    if !signed {
        return api_error(
            StatusCode::UNAUTHORIZED,
            "bad_signature",
            "the X-Line-Signature does not match",
        );
    }
    let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    for (user, text) in line_text_messages(&body) {
        if let Err(e) = app::notify::service::link_line_user(&state.app, &user, &text).await {
            tracing::error!(error = %e, "linking a LINE user failed");
            return api_errors::from_app_error(&e);
        }
    }
    Json(serde_json::json!({ "status": "ok" })).into_response()
}

/// `GET /api/v1/health`: 200 when the database answers and writes get through
/// (the last write, or the background write check after it, succeeded); else 503.
async fn api_not_found() -> Response {
    api_error(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
}

/// The `/api/v1` error shape: `{ "error": code, "message": text }`.
pub fn api_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(serde_json::json!({ "error": code, "message": message })),
    )
        .into_response()
}

/// Who is calling: client IP (socket, or `X-Forwarded-For` from the trusted proxy
/// only), user agent and a request id for logs and audit rows.
async fn client_context(State(state): State<WebState>, mut req: Request, next: Next) -> Response {
    let socket_ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let forwarded = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next_back())
        .and_then(|v| v.trim().parse::<IpAddr>().ok());
    let ip = match (socket_ip, state.trusted_proxy, forwarded) {
        (Some(sock), Some(proxy), Some(fwd)) if sock == proxy => fwd,
        (Some(sock), _, _) => sock,
        (None, _, _) => IpAddr::from([0, 0, 0, 0]),
    };
    let request_id = uuid::Uuid::new_v4().simple().to_string();
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let page_lang = req
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(app::server::outbox::Lang::from_cookie_header);
    req.extensions_mut().insert(ClientContext {
        ip: ip.to_string(),
        user_agent,
        request_id: request_id.clone(),
        page_lang,
    });
    let mut res = next.run(req).await;
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        res.headers_mut().insert("x-request-id", v);
    }
    res
}

/// CSRF defence (SPEC §7): a state-changing request must come from our own origin.
/// Browsers send `Sec-Fetch-Site` and `Origin`; a state-changing request with neither
/// is refused. Machine clients of `/api/v1` send neither and authenticate by API key
/// instead.
async fn same_origin_guard(State(state): State<WebState>, req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || req.uri().path().starts_with("/api/v1/") {
        return next.run(req).await;
    }
    if !is_same_origin(req.headers()) {
        let path = req.uri().path().to_owned();
        tracing::warn!(%path, "cross-origin state-changing request refused");
        // A security event: audited like a lockout or a 429 (SPEC §7).
        let client = req.extensions().get::<ClientContext>();
        let event = AuditEvent {
            actor: Actor::Visitor,
            action: "request.cross_origin",
            subject: None,
            result: "denied",
            detail: Some(serde_json::json!({ "path": path })),
        };
        if let Err(e) = audit::record(&state.app.db, client, event).await {
            tracing::error!(error = %e, "auditing a refused cross-origin request failed");
        }
        return api_error(
            StatusCode::FORBIDDEN,
            "cross_origin",
            "cross-origin request refused",
        );
    }
    next.run(req).await
}

fn is_same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return site == "same-origin" || site == "none";
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    match (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        host,
    ) {
        (Some(origin), Some(host)) => {
            origin
                .strip_prefix("http://")
                .or_else(|| origin.strip_prefix("https://"))
                == Some(host)
        }
        // Neither header: every browser we serve sends one of them on a POST, so a
        // caller without both is not a page of ours (SPEC §7: 403). Machine clients use
        // `/api/v1` with their keys.
        (None, _) | (Some(_), None) => false,
    }
}

async fn security_headers(State(state): State<WebState>, req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if let Some(v) = &state.csp {
        h.insert(header::CONTENT_SECURITY_POLICY, v.clone());
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(self), geolocation=(), microphone=()"),
    );
    if state.behind_tls {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    if is_api {
        // Answers of server functions carry personal data.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one table of pages (`AppPart`): the build script builds exactly its
    /// bundles, each with its html file and its Wasm entry, and every path is answered
    /// by the page whose app routes it.
    #[test]
    fn the_build_script_and_the_frontend_follow_the_page_table() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let script =
            std::fs::read_to_string(root.join("scripts/build-site.sh")).expect("build-site.sh");
        let line = script
            .lines()
            .find_map(|l| l.strip_prefix("PAGES=("))
            .and_then(|l| l.strip_suffix(')'))
            .expect("PAGES=(…) in build-site.sh");
        let listed: Vec<&str> = line.split_whitespace().collect();
        let bundles: Vec<&str> = AppPart::ALL.iter().filter_map(|p| p.bundle()).collect();
        assert_eq!(
            listed, bundles,
            "build-site.sh's PAGES must be AppPart's bundles"
        );
        for bundle in bundles {
            assert!(
                root.join(format!("frontend/{bundle}.html")).is_file(),
                "{bundle}.html"
            );
            assert!(
                root.join(format!("frontend/src/bin/{bundle}.rs")).is_file(),
                "frontend/src/bin/{bundle}.rs"
            );
        }
        assert!(root.join("frontend/index.html").is_file());
        // The home page's shell (rendered by the server, see home_page.rs).
        assert!(script.lines().any(|l| l == "SHELLS=(home)"));
        assert!(root.join("frontend/home.html").is_file());
        assert!(root.join("frontend/src/bin/home.rs").is_file());
        assert_eq!(AppPart::of("/card/stop/verify"), AppPart::Stop);
        assert_eq!(AppPart::of("/card/apply/photo"), AppPart::Cards);
        assert_eq!(AppPart::of("/school"), AppPart::School);
        assert_eq!(AppPart::of("/parent/home"), AppPart::Parent);
        assert_eq!(AppPart::of("/schoolbus"), AppPart::Main);
    }

    #[test]
    fn csp_hashes_inline_scripts_only() {
        let html =
            r#"<script src="/a.js"></script><script type="module">import x from '/x.js';</script>"#;
        let csp = content_security_policy(html);
        assert!(csp.contains("'wasm-unsafe-eval'"));
        assert_eq!(csp.matches("'sha256-").count(), 1);
        assert!(csp.contains("object-src 'none'") && csp.contains("frame-ancestors 'none'"));
    }

    #[test]
    fn same_origin_rules() {
        let mut h = HeaderMap::new();
        assert!(!is_same_origin(&h), "no browser headers: refused");
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:3000"));
        assert!(!is_same_origin(&h), "a Host alone proves nothing");
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(!is_same_origin(&h));
        h.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert!(is_same_origin(&h));
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:3000"));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example"),
        );
        assert!(!is_same_origin(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:3000"),
        );
        assert!(is_same_origin(&h));
    }
}
