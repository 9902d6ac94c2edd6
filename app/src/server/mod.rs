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
pub mod holder_cards;
pub mod outbox;
pub mod photo;
pub mod roster;
pub mod session_store;
pub mod settings;
pub mod staff;
pub mod throttle;

pub use context::{AppState, ClientContext, PortalConfig};
