//! The model layer (in the manner of loco's `models/` beside the generated
//! `entities/`): what is stored about a table and who may touch it, as finders and
//! rules that every feature shares. A feature that needs a parent's account, a binding
//! or a staff member reads it here, never through another feature's service.

pub mod audit_trail;
pub mod binding_request;
pub mod card;
pub mod gate_reader;
pub mod parent_account;
pub mod staff_user;
