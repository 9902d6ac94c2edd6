//! Pure domain rules shared by the browser and the server: identity numbers, masking,
//! dates. No I/O here, so every rule is unit-tested without a server.

pub mod binding;
pub mod captcha;
pub mod class_grade;
pub mod contact;
pub mod csv;
pub mod dates;
pub mod id_number;
pub mod masking;
pub mod payment_codes;
pub mod refund;
pub mod wire;
