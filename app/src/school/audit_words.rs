//! The audit log in staff words: who (username and role), what (a readable action),
//! and the detail's before → after, in the user's language. Generated tables of labels
//! (`locales/*/audit.json`); an action or key without a label shows its code.

use crate::i18n::*;
use serde_json::Value;

/// Every action with a label, for the audit page's action filter.
pub const ACTIONS: &[&str] = &[
    "application.expire",
    "application.old_card",
    "apply.slip",
    "apply.submit",
    "binding.approve",
    "binding.remove",
    "binding.return",
    "captcha.audio",
    "card.lock",
    "card.unlock",
    "consent.accept",
    "holder.transfer",
    "holiday.add",
    "holiday.remove",
    "identity.captcha",
    "identity.verify",
    "job.absence",
    "job.payment_expiry",
    "job.payment_reminder",
    "line_pay.cancel",
    "line_pay.confirm",
    "line_pay.request",
    "notice.preview",
    "notice.send",
    "notice.status",
    "notify.attendance",
    "notify.email",
    "notify.email_code",
    "notify.email_verify",
    "notify.line_code",
    "notify.line_link",
    "notify.line_unlink",
    "notify.subscribe",
    "notify.withdraw_consent",
    "old_card.api",
    "parent.bind",
    "parent.change_password",
    "parent.child",
    "parent.create_by_staff",
    "parent.login",
    "parent.login_captcha",
    "parent.logout",
    "parent.my_data",
    "parent.register",
    "parent.reset",
    "parent.reset_password",
    "parent.unbind",
    "parent.wizard_start",
    "payment.api",
    "payment.duplicate",
    "payment.import",
    "payment.reconcile",
    "print.api",
    "print.batch",
    "print.batch_export",
    "print.batch_read",
    "print.csv",
    "print.result",
    "print.results",
    "reader.add",
    "reader.revoke",
    "reader.rotate",
    "refund.api",
    "refund.confirm",
    "refund.import",
    "request.cross_origin",
    "roster.holder_changed",
    "roster.import",
    "school.accounts",
    "school.approve",
    "school.audit",
    "school.close",
    "school.export",
    "school.export_bindings",
    "school.form",
    "school.holder_ref",
    "school.holidays",
    "school.locked_holders",
    "school.notices",
    "school.outbox",
    "school.outbox_resend",
    "school.payment_import",
    "school.photo",
    "school.print_batch",
    "school.print_batch_export",
    "school.print_batch_items",
    "school.print_batches",
    "school.readers",
    "school.report",
    "school.report_export",
    "school.return",
    "school.roster_import",
    "school.settings",
    "school.unlock",
    "settings.card_type",
    "settings.consent",
    "settings.update",
    "sms.cancel",
    "sms.review",
    "sms.withdraw",
    "staff.change_password",
    "staff.create",
    "staff.disable",
    "staff.login",
    "staff.login_captcha",
    "staff.logout",
    "staff.totp_enabled",
    "stop.send_code",
    "stop.step_up",
    "stop.submit",
    "swipe.api",
    "swipe.enter",
    "swipe.unknown_card",
];

/// A readable action («核可», «停卡掛失»), or `None` for an action without a label.
pub fn action_text(locale: Locale, action: &str) -> Option<&'static str> {
    Some(match action {
        "application.expire" => td_string!(locale, audit.a_application_expire),
        "application.old_card" => td_string!(locale, audit.a_application_old_card),
        "old_card.api" => td_string!(locale, audit.a_old_card_api),
        "apply.slip" => td_string!(locale, audit.a_apply_slip),
        "apply.submit" => td_string!(locale, audit.a_apply_submit),
        "binding.approve" => td_string!(locale, audit.a_binding_approve),
        "binding.remove" => td_string!(locale, audit.a_binding_remove),
        "binding.return" => td_string!(locale, audit.a_binding_return),
        "captcha.audio" => td_string!(locale, audit.a_captcha_audio),
        "card.lock" => td_string!(locale, audit.a_card_lock),
        "card.unlock" => td_string!(locale, audit.a_card_unlock),
        "consent.accept" => td_string!(locale, audit.a_consent_accept),
        "holder.transfer" => td_string!(locale, audit.a_holder_transfer),
        "identity.captcha" => td_string!(locale, audit.a_identity_captcha),
        "identity.verify" => td_string!(locale, audit.a_identity_verify),
        "job.absence" => td_string!(locale, audit.a_job_absence),
        "job.payment_expiry" => td_string!(locale, audit.a_job_payment_expiry),
        "job.payment_reminder" => td_string!(locale, audit.a_job_payment_reminder),
        "line_pay.cancel" => td_string!(locale, audit.a_line_pay_cancel),
        "line_pay.confirm" => td_string!(locale, audit.a_line_pay_confirm),
        "line_pay.request" => td_string!(locale, audit.a_line_pay_request),
        "notify.attendance" => td_string!(locale, audit.a_notify_attendance),
        "notify.email" => td_string!(locale, audit.a_notify_email),
        "notify.email_code" => td_string!(locale, audit.a_notify_email_code),
        "notify.email_verify" => td_string!(locale, audit.a_notify_email_verify),
        "notify.line_code" => td_string!(locale, audit.a_notify_line_code),
        "notify.line_link" => td_string!(locale, audit.a_notify_line_link),
        "notify.line_unlink" => td_string!(locale, audit.a_notify_line_unlink),
        "notify.subscribe" => td_string!(locale, audit.a_notify_subscribe),
        "notify.withdraw_consent" => td_string!(locale, audit.a_notify_withdraw_consent),
        "notice.preview" => td_string!(locale, audit.a_notice_preview),
        "notice.send" => td_string!(locale, audit.a_notice_send),
        "notice.status" => td_string!(locale, audit.a_notice_status),
        "parent.bind" => td_string!(locale, audit.a_parent_bind),
        "parent.change_password" => td_string!(locale, audit.a_parent_change_password),
        "parent.child" => td_string!(locale, audit.a_parent_child),
        "parent.create_by_staff" => td_string!(locale, audit.a_parent_create_by_staff),
        "parent.login" => td_string!(locale, audit.a_parent_login),
        "parent.login_captcha" => td_string!(locale, audit.a_parent_login_captcha),
        "parent.logout" => td_string!(locale, audit.a_parent_logout),
        "parent.my_data" => td_string!(locale, audit.a_parent_my_data),
        "parent.register" => td_string!(locale, audit.a_parent_register),
        "parent.reset" => td_string!(locale, audit.a_parent_reset),
        "parent.reset_password" => td_string!(locale, audit.a_parent_reset_password),
        "parent.unbind" => td_string!(locale, audit.a_parent_unbind),
        "parent.wizard_start" => td_string!(locale, audit.a_parent_wizard_start),
        "payment.api" => td_string!(locale, audit.a_payment_api),
        "payment.duplicate" => td_string!(locale, audit.a_payment_duplicate),
        "payment.import" => td_string!(locale, audit.a_payment_import),
        "payment.reconcile" => td_string!(locale, audit.a_payment_reconcile),
        "print.api" => td_string!(locale, audit.a_print_api),
        "print.batch" => td_string!(locale, audit.a_print_batch),
        "print.batch_export" => td_string!(locale, audit.a_print_batch_export),
        "print.batch_read" => td_string!(locale, audit.a_print_batch_read),
        "print.csv" => td_string!(locale, audit.a_print_csv),
        "print.result" => td_string!(locale, audit.a_print_result),
        "print.results" => td_string!(locale, audit.a_print_results),
        "reader.add" => td_string!(locale, audit.a_reader_add),
        "refund.api" => td_string!(locale, audit.a_refund_api),
        "refund.confirm" => td_string!(locale, audit.a_refund_confirm),
        "refund.import" => td_string!(locale, audit.a_refund_import),
        "request.cross_origin" => td_string!(locale, audit.a_request_cross_origin),
        "roster.holder_changed" => td_string!(locale, audit.a_roster_holder_changed),
        "roster.import" => td_string!(locale, audit.a_roster_import),
        "school.approve" => td_string!(locale, audit.a_school_approve),
        "school.audit" => td_string!(locale, audit.a_school_audit),
        "school.close" => td_string!(locale, audit.a_school_close),
        "school.export" => td_string!(locale, audit.a_school_export),
        "school.export_bindings" => td_string!(locale, audit.a_school_export_bindings),
        "school.form" => td_string!(locale, audit.a_school_form),
        "school.holder_ref" => td_string!(locale, audit.a_school_holder_ref),
        "school.locked_holders" => td_string!(locale, audit.a_school_locked_holders),
        "school.notices" => td_string!(locale, audit.a_school_notices),
        "school.outbox" => td_string!(locale, audit.a_school_outbox),
        "school.outbox_resend" => td_string!(locale, audit.a_school_outbox_resend),
        "school.payment_import" => td_string!(locale, audit.a_school_payment_import),
        "school.photo" => td_string!(locale, audit.a_school_photo),
        "school.print_batch" => td_string!(locale, audit.a_school_print_batch),
        "school.print_batch_export" => td_string!(locale, audit.a_school_print_batch_export),
        "school.print_batch_items" => td_string!(locale, audit.a_school_print_batch_items),
        "school.print_batches" => td_string!(locale, audit.a_school_print_batches),
        "school.return" => td_string!(locale, audit.a_school_return),
        "holiday.add" => td_string!(locale, audit.a_holiday_add),
        "holiday.remove" => td_string!(locale, audit.a_holiday_remove),
        "reader.revoke" => td_string!(locale, audit.a_reader_revoke),
        "reader.rotate" => td_string!(locale, audit.a_reader_rotate),
        "school.holidays" => td_string!(locale, audit.a_school_holidays),
        "school.readers" => td_string!(locale, audit.a_school_readers),
        "school.report" => td_string!(locale, audit.a_school_report),
        "school.report_export" => td_string!(locale, audit.a_school_report_export),
        "school.accounts" => td_string!(locale, audit.a_school_accounts),
        "school.settings" => td_string!(locale, audit.a_school_settings),
        "settings.update" => td_string!(locale, audit.a_settings_update),
        "settings.card_type" => td_string!(locale, audit.a_settings_card_type),
        "settings.consent" => td_string!(locale, audit.a_settings_consent),
        "staff.disable" => td_string!(locale, audit.a_staff_disable),
        "school.roster_import" => td_string!(locale, audit.a_school_roster_import),
        "school.unlock" => td_string!(locale, audit.a_school_unlock),
        "sms.cancel" => td_string!(locale, audit.a_sms_cancel),
        "sms.review" => td_string!(locale, audit.a_sms_review),
        "sms.withdraw" => td_string!(locale, audit.a_sms_withdraw),
        "staff.change_password" => td_string!(locale, audit.a_staff_change_password),
        "staff.create" => td_string!(locale, audit.a_staff_create),
        "staff.login" => td_string!(locale, audit.a_staff_login),
        "staff.login_captcha" => td_string!(locale, audit.a_staff_login_captcha),
        "staff.logout" => td_string!(locale, audit.a_staff_logout),
        "staff.totp_enabled" => td_string!(locale, audit.a_staff_totp_enabled),
        "stop.send_code" => td_string!(locale, audit.a_stop_send_code),
        "stop.step_up" => td_string!(locale, audit.a_stop_step_up),
        "stop.submit" => td_string!(locale, audit.a_stop_submit),
        "swipe.api" => td_string!(locale, audit.a_swipe_api),
        "swipe.enter" => td_string!(locale, audit.a_swipe_enter),
        "swipe.unknown_card" => td_string!(locale, audit.a_swipe_unknown_card),
        _ => return None,
    })
}

/// Who acted, by kind (`staff`, `holder`, `system`, …).
pub fn actor_kind_text(locale: Locale, kind: &str) -> Option<&'static str> {
    Some(match kind {
        "visitor" => td_string!(locale, audit.actor_visitor),
        "holder" => td_string!(locale, audit.actor_holder),
        "parent" => td_string!(locale, audit.actor_parent),
        "staff" => td_string!(locale, audit.actor_staff),
        "cli" => td_string!(locale, audit.actor_cli),
        "system" => td_string!(locale, audit.actor_system),
        "issuer" => td_string!(locale, audit.actor_issuer),
        "print_centre" => td_string!(locale, audit.actor_print_centre),
        "reader" => td_string!(locale, audit.actor_reader),
        _ => return None,
    })
}

/// The outcome: «成功», «拒絕», …
pub fn result_text(locale: Locale, result: &str) -> Option<&'static str> {
    Some(match result {
        "ok" => td_string!(locale, audit.result_ok),
        "denied" => td_string!(locale, audit.result_denied),
        "failed" => td_string!(locale, audit.result_failed),
        "locked" => td_string!(locale, audit.result_locked),
        "rate_limited" => td_string!(locale, audit.result_rate_limited),
        _ => return None,
    })
}

/// A detail field's name.
fn key_text(locale: Locale, key: &str) -> Option<&'static str> {
    Some(match key {
        "reason" => td_string!(locale, audit.k_reason),
        "rows" => td_string!(locale, audit.k_rows),
        "count" => td_string!(locale, audit.k_count),
        "messages" => td_string!(locale, audit.k_messages),
        "amount" => td_string!(locale, audit.k_amount),
        "paid_on" => td_string!(locale, audit.k_paid_on),
        "channel" => td_string!(locale, audit.k_channel),
        "serial_no" => td_string!(locale, audit.k_serial_no),
        "mail_no" => td_string!(locale, audit.k_mail_no),
        "status_from" => td_string!(locale, audit.k_status_from),
        "status" => td_string!(locale, audit.k_status),
        "school" => td_string!(locale, audit.k_school),
        "class" => td_string!(locale, audit.k_class),
        "name" => td_string!(locale, audit.k_name),
        "student_no" => td_string!(locale, audit.k_student_no),
        "seat_no" => td_string!(locale, audit.k_seat_no),
        "role" => td_string!(locale, audit.k_role),
        "reader" => td_string!(locale, audit.k_reader),
        "wizard" => td_string!(locale, audit.k_wizard),
        "attempts" => td_string!(locale, audit.k_attempts),
        "expired" => td_string!(locale, audit.k_expired),
        "direction" => td_string!(locale, audit.k_direction),
        "at" => td_string!(locale, audit.k_at),
        "method" => td_string!(locale, audit.k_method),
        "card" => td_string!(locale, audit.k_card),
        "id_no" => td_string!(locale, audit.k_id_no),
        "birth_date" => td_string!(locale, audit.k_birth_date),
        "mobile" => td_string!(locale, audit.k_mobile),
        "email" => td_string!(locale, audit.k_email),
        "version" => td_string!(locale, audit.k_version),
        "due_on" => td_string!(locale, audit.k_due_on),
        "order_id" => td_string!(locale, audit.k_order_id),
        "code" => td_string!(locale, audit.k_code),
        "matched" => td_string!(locale, audit.k_matched),
        "recorded" => td_string!(locale, audit.k_recorded),
        "template" => td_string!(locale, audit.k_template),
        "step" => td_string!(locale, audit.k_step),
        "fee.loss" => td_string!(locale, audit.k_fee_loss),
        "fee.remittance" => td_string!(locale, audit.k_fee_remittance),
        "fee.cheque_postage" => td_string!(locale, audit.k_fee_cheque_postage),
        "payment.deadline_days" => td_string!(locale, audit.k_deadline_days),
        "payment.grace_days" => td_string!(locale, audit.k_grace_days),
        "loss.liability_hours" => td_string!(locale, audit.k_liability_hours),
        "verification.window_minutes" => td_string!(locale, audit.k_window_minutes),
        "consent.current_version" => td_string!(locale, audit.k_consent_version),
        "level" => td_string!(locale, audit.k_level),
        "name_zh" => td_string!(locale, audit.k_name_zh),
        "name_en" => td_string!(locale, audit.k_name_en),
        "fee" => td_string!(locale, audit.k_fee),
        "grade" => td_string!(locale, audit.k_grade),
        "parents" => td_string!(locale, audit.k_parents),
        _ => return None,
    })
}

/// A stored state or code by its visible word («申請中», «已核可», «導師»).
fn value_word(locale: Locale, value: &str) -> Option<&'static str> {
    Some(match value {
        "pending" => td_string!(locale, audit.v_pending),
        "approved" => td_string!(locale, audit.v_approved),
        "returned" => td_string!(locale, audit.v_returned),
        "awaiting_payment" => td_string!(locale, audit.v_awaiting_payment),
        "paid" => td_string!(locale, audit.v_paid),
        "printing" => td_string!(locale, audit.v_printing),
        "shipped" => td_string!(locale, audit.v_shipped),
        "closed" => td_string!(locale, audit.v_closed),
        "expired" => td_string!(locale, audit.v_expired),
        "active" => td_string!(locale, audit.v_active),
        "locked" => td_string!(locale, audit.v_locked),
        "stopped" => td_string!(locale, audit.v_stopped),
        "unlocked" => td_string!(locale, audit.v_unlocked),
        "unbound" => td_string!(locale, audit.v_unbound),
        "removed" => td_string!(locale, audit.v_removed),
        "teacher" => td_string!(locale, audit.v_teacher),
        "officer" => td_string!(locale, audit.v_officer),
        "operator" => td_string!(locale, audit.v_operator),
        "out_of_scope" => td_string!(locale, audit.v_out_of_scope),
        "in" => td_string!(locale, audit.v_in),
        "out" => td_string!(locale, audit.v_out),
        "stop" => td_string!(locale, audit.v_stop),
        "apply" => td_string!(locale, audit.v_apply),
        "query" => td_string!(locale, audit.v_query),
        "changed" => td_string!(locale, audit.v_changed),
        "true" => td_string!(locale, audit.v_true),
        "false" => td_string!(locale, audit.v_false),
        "awaiting" => td_string!(locale, audit.v_awaiting_payment),
        "shipped_mail" | "shipped_school" => td_string!(locale, audit.v_shipped),
        _ => return None,
    })
}

fn value_text(locale: Locale, v: &Value) -> String {
    match v {
        Value::String(s) => value_word(locale, s).map_or_else(|| s.clone(), str::to_owned),
        Value::Bool(b) => value_word(locale, if *b { "true" } else { "false" })
            .unwrap_or_default()
            .to_owned(),
        Value::Null => "–".to_owned(),
        Value::Array(items) => items
            .iter()
            .map(|i| value_text(locale, i))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Object(_) => change_text(locale, v),
        other => other.to_string(),
    }
}

/// `{"from": a, "to": b}` as «a → b»; any other object as «key: value; …».
fn change_text(locale: Locale, v: &Value) -> String {
    let Value::Object(map) = v else {
        return value_text(locale, v);
    };
    let arrow = td_string!(locale, audit.arrow);
    let mut parts = Vec::new();
    if let (Some(from), Some(to)) = (map.get("from"), map.get("to")) {
        parts.push(format!(
            "{} {arrow} {}",
            value_text(locale, from),
            value_text(locale, to)
        ));
    }
    for (key, value) in map {
        if key == "from" || key == "to" || value.is_null() {
            continue;
        }
        let label = key_text(locale, key).map_or_else(|| key.clone(), str::to_owned);
        parts.push(format!("{label}: {}", value_text(locale, value)));
    }
    parts.join("; ")
}

/// The stored detail (JSON) in words: «申請中 → 已核可; 原因: 照片不清楚». Text that is
/// not JSON is shown as it is.
pub fn detail_text(locale: Locale, detail: &str) -> String {
    match serde_json::from_str::<Value>(detail) {
        Ok(v) => change_text(locale, &v),
        Err(_) => detail.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_review_reads_as_before_arrow_after_with_its_reason() {
        let text = detail_text(
            Locale::zh_TW,
            r#"{"from":"pending","to":"returned","reason":"照片不清楚"}"#,
        );
        assert_eq!(text, "申請中 → 退件; 原因: 照片不清楚");
        let text = detail_text(Locale::en, r#"{"from":"pending","to":"approved"}"#);
        assert_eq!(text, "Pending → Approved");
    }

    #[test]
    fn nested_changes_name_their_field_and_unknown_keys_stay_as_they_are() {
        let text = detail_text(
            Locale::zh_TW,
            r#"{"class":{"from":"501","to":"502"},"widget":3}"#,
        );
        assert_eq!(text, "班級: 501 → 502; widget: 3");
        let text = detail_text(
            Locale::zh_TW,
            r#"{"verification.window_minutes":{"from":"20","to":"21"}}"#,
        );
        assert_eq!(text, "身分驗證有效時間（分鐘）: 20 → 21");
        assert_eq!(detail_text(Locale::zh_TW, "not json"), "not json");
    }

    #[test]
    fn actions_have_labels_and_unknown_ones_none() {
        assert_eq!(action_text(Locale::zh_TW, "school.approve"), Some("核可"));
        assert_eq!(
            action_text(Locale::vi, "stop.submit"),
            Some("Dừng thẻ và báo mất")
        );
        assert_eq!(action_text(Locale::en, "no.such"), None);
    }
}
