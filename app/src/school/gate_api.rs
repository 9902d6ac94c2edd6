//! Server functions of «讀卡機管理» and «停課日設定». Each authorises from the staff
//! session on the server: officers their own school, operators any school; teachers
//! and officers reaching another school are refused (403, audited).

use leptos::prelude::*;

use super::{HolidayList, NewHolidayInput, NewReaderInput, ReaderKey, ReaderRow};
use crate::error::AppError;

/// The gate readers of the officer's school, or (operators) of `school_code` or every
/// school.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/readers", input = server_fn::codec::Json)]
pub async fn load_readers(
    #[server(default)] school_code: Option<String>,
) -> Result<Vec<ReaderRow>, AppError> {
    crate::server::context::serve(async |cx| super::service::list_readers(&cx, school_code).await)
        .await
}

/// «新增讀卡機»: the new reader's API key, shown once.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/reader-add", input = server_fn::codec::Json)]
pub async fn add_reader(input: NewReaderInput) -> Result<ReaderKey, AppError> {
    crate::server::context::serve(async |cx| super::service::add_school_reader(&cx, input).await)
        .await
}

/// «更換金鑰»: the old key is refused from now on; the new one is shown once.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/reader-rotate", input = server_fn::codec::Json)]
pub async fn rotate_reader_key(reader: i32) -> Result<ReaderKey, AppError> {
    crate::server::context::serve(async |cx| super::service::rotate_reader_key(&cx, reader).await)
        .await
}

/// «停用»: the reader's swipes are refused from now on.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/reader-revoke", input = server_fn::codec::Json)]
pub async fn revoke_reader(reader: i32) -> Result<(), AppError> {
    crate::server::context::serve(async |cx| super::service::revoke_reader(&cx, reader).await).await
}

/// «停課日設定»: the holidays of the officer's school (and those of every school), or
/// (operators) of `school_code`, or all.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/holidays", input = server_fn::codec::Json)]
pub async fn load_holidays(
    #[server(default)] school_code: Option<String>,
) -> Result<HolidayList, AppError> {
    crate::server::context::serve(async |cx| super::service::list_holidays(&cx, school_code).await)
        .await
}

/// «新增停課日»: one day or each weekday of a range. Returns how many days were added.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/holiday-add", input = server_fn::codec::Json)]
pub async fn add_holidays(input: NewHolidayInput) -> Result<u32, AppError> {
    crate::server::context::serve(async |cx| super::service::add_holidays(&cx, input).await).await
}

/// «刪除» of a future holiday.
#[server(custom = crate::strict::Strict, prefix = "/api", endpoint = "school/holiday-remove", input = server_fn::codec::Json)]
pub async fn remove_holiday(holiday: i32) -> Result<(), AppError> {
    crate::server::context::serve(async |cx| super::service::remove_holiday(&cx, holiday).await)
        .await
}
