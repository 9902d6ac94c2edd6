//! `GET /api/school/report.csv?report=…&from=…&to=…&school_code=…`: a «統計報表»
//! table as a CSV download (UTF-8 with BOM), authorised from the staff session as the
//! page's server function is (`app::school::service::report_csv`), with the same rows.

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::web::{WebState, app_error_response, call_context};
use app::school::{ReportFilter, ReportKind};

#[derive(Deserialize)]
pub struct ReportQuery {
    report: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    school_code: Option<String>,
}

pub async fn report_csv(
    State(state): State<WebState>,
    Query(query): Query<ReportQuery>,
    req: Request<Body>,
) -> Response {
    let Some(cx) = call_context(&state, &req) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let Some(kind) = ReportKind::parse(&query.report) else {
        return app_error_response(&app::AppError::NotFound);
    };
    let filter = ReportFilter {
        school_code: query.school_code,
        from: query.from,
        to: query.to,
    };
    match app::school::service::report_csv(&cx, kind, filter).await {
        Ok(csv) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"report-{}.csv\"", kind.as_str()),
                ),
                (header::CACHE_CONTROL, "no-store".to_owned()),
            ],
            csv,
        )
            .into_response(),
        Err(e) => app_error_response(&e),
    }
}
