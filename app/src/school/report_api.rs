//! Server functions of «統計報表». Each authorises from the staff session on the
//! server: a teacher their class, an officer their school, an operator any school;
//! naming another school, or (teachers and officers) the messages report, is refused
//! (403, audited). The CSV of a report is `GET /api/school/report.csv` (the server
//! crate), from the same service function.

use leptos::prelude::*;

use super::{Report, ReportFilter, ReportKind};
use crate::error::AppError;

/// One report of the staff member's scope, with its chart.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/report", input = server_fn::codec::Json)]
pub async fn load_report(kind: ReportKind, filter: ReportFilter) -> Result<Report, AppError> {
    crate::server::context::serve(async |cx| super::service::load_report(&cx, kind, filter).await)
        .await
}
