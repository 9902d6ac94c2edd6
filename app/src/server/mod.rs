//! Server-only code (feature `ssr`): state, persistence, security services.
//!
//! Feature folders (`consent`, `identity`, `query`, …) call into these from their
//! `api.rs` server functions; nothing here knows about Leptos views.

pub mod audit;
pub mod captcha;
pub mod codes;
pub mod context;
pub mod crypto;
pub mod db;
pub mod demo;
pub mod entities;
pub mod guardian_notices;
pub mod holder_transfer;
pub mod idempotency;
pub mod instance;
pub mod line_pay;
pub mod model;
pub mod outbox;
pub mod photo;
pub mod roster;
mod roster_changes;
pub mod serials;
pub mod session_store;
pub mod settings;
pub mod staff;
pub mod staff_scope;
pub mod throttle;
pub mod write_turn;

pub use context::{AppState, ClientContext, PortalConfig};
