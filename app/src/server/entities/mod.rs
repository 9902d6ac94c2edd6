//! sea-orm entities, one file per table, matching `migrations/`. Hand-written model
//! code (finders, rules) lives beside the feature that uses it, not here.

pub mod application_events;
pub mod audit_log;
pub mod binding_attempts;
pub mod binding_requests;
pub mod captchas;
pub mod card_types;
pub mod cards;
pub mod classes;
pub mod consent_records;
pub mod consent_texts;
pub mod daily_job_runs;
pub mod gate_readers;
pub mod holders;
pub mod idempotency_keys;
pub mod notification_subscriptions;
pub mod one_time_codes;
pub mod outbox;
pub mod parent_accounts;
pub mod parent_login_attempts;
pub mod replacement_applications;
pub mod school_holidays;
pub mod schools;
pub mod sessions;
pub mod settings;
pub mod sms_cancellations;
pub mod sms_subscriptions;
pub mod staff_login_attempts;
pub mod staff_users;
pub mod stop_requests;
pub mod swipes;
pub mod throttle_hits;
pub mod throttle_keys;
pub mod verification_attempts;
pub mod verification_locks;
