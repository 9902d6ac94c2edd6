//! The server's integration tests, one binary: each module starts the real `server`
//! binary (or its CLI) against a fresh database, on SQLite or, with
//! `TEST_POSTGRES_ADMIN_URL`, on PostgreSQL. One binary rather than one per file: each
//! test binary links the whole server (~200 MB with line tables), and eighteen of them
//! filled the CI machine's disk and took minutes of linking on two cores.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

mod consent_receipt;
mod dev_outbox;
mod drafts;

mod access_races;
mod apply;
mod binding_limits;
mod card_stop;
mod child_view;
mod cli;
mod expiry;
mod http_api;
mod identity;
mod integrity;
mod languages;
mod line_pay;
mod notices;
mod notifications;
mod old_cards;
mod outbox;
mod parent_accounts;
mod print_batches;
mod print_centre;
mod readers_holidays;
mod refunds;
mod reissue;
mod reports;
mod roster_import;
mod roster_upload;
mod school;
mod serials;
mod session_store;
mod sms;
mod staff_accounts;
mod staff_sessions;
mod statements;
mod step_up;
mod swipes;
mod system_settings;
mod write_turns;
