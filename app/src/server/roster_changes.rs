//! What a roster re-import changes in a holder row, for its `roster.holder_changed`
//! audit row (SPEC §3 "before → after"): only fields that differ, and nothing in clear
//! that identifies or reaches the family — the name and guardian contacts through
//! `domain::masking`, the birth date as `changed` only. Class, student and seat
//! numbers and gender are shown as they are.

use serde_json::{Map, Value, json};

use super::crypto::PiiCipher;
use super::entities::holders;
use super::roster::RosterRow;
use crate::domain::masking::{mask_email, mask_mobile, mask_name};

/// Records `field` as `{from, to}` when the two differ; as `"changed"` when they differ
/// in clear but not once masked.
fn put(changes: &mut Map<String, Value>, field: &str, differ: bool, from: Value, to: Value) {
    if !differ {
        return;
    }
    let entry = if from == to {
        json!("changed")
    } else {
        json!({ "from": from, "to": to })
    };
    changes.insert(field.into(), entry);
}

/// The masked before → after of every field `row` changes in `before`, or `None` when
/// the row leaves the holder as it is. `classes` are the class names (before, after).
pub(super) fn holder_changes(
    cipher: &PiiCipher,
    before: &holders::Model,
    classes: (&str, &str),
    row: &RosterRow,
) -> Option<Map<String, Value>> {
    let mut changes = Map::new();
    let c = &mut changes;
    put(
        c,
        "name",
        before.name != row.name,
        json!(mask_name(&before.name)),
        json!(mask_name(&row.name)),
    );
    put(
        c,
        "class",
        classes.0 != classes.1,
        json!(classes.0),
        json!(classes.1),
    );
    put(
        c,
        "student_no",
        before.student_no != row.student_no,
        json!(before.student_no),
        json!(row.student_no),
    );
    put(
        c,
        "seat_no",
        before.seat_no != row.seat_no,
        json!(before.seat_no),
        json!(row.seat_no),
    );
    put(
        c,
        "gender",
        before.gender != row.gender,
        json!(before.gender),
        json!(row.gender),
    );
    // The birth date is a verification secret: never shown, not even masked.
    put(
        c,
        "birth_date",
        before.birth_date != row.birth_date,
        json!(null),
        json!(null),
    );
    let stored = |enc: Option<&String>, column: &str| {
        enc.map(|enc| {
            cipher
                .decrypt(enc, &format!("holders.{column}:{}", before.id_no_hash))
                .unwrap_or_default()
        })
    };
    let mobile = stored(before.guardian_mobile_enc.as_ref(), "guardian_mobile");
    put(
        c,
        "guardian_mobile",
        mobile != row.guardian_mobile,
        json!(mobile.as_deref().map(mask_mobile)),
        json!(row.guardian_mobile.as_deref().map(mask_mobile)),
    );
    let email = stored(before.guardian_email_enc.as_ref(), "guardian_email");
    put(
        c,
        "guardian_email",
        email != row.guardian_email,
        json!(email.as_deref().map(mask_email)),
        json!(row.guardian_email.as_deref().map(mask_email)),
    );
    (!changes.is_empty()).then_some(changes)
}
