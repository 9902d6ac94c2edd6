use leptos::prelude::*;

use super::HolderOverview;
use crate::error::AppError;

/// The cards of the holder this session verified in the query wizard.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "query/overview", input = server_fn::codec::GetUrl)]
pub async fn load_holder_overview() -> Result<HolderOverview, AppError> {
    crate::server::context::serve(async |cx| super::service::overview(&cx).await).await
}
