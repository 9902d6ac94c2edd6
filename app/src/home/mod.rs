//! The card service home («學生證停卡/申辦/查詢系統») with its three entries.
#[cfg(feature = "ssr")]
pub mod render;
pub mod view;
