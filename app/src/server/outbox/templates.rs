//! The texts of notification messages (subject, body), rendered by the outbox. A
//! missing arrival swipe is never called an absence (SPEC §10 honest attendance).

/// Subject and body of a notification template, or `None` for another template.
pub fn render(template: &str, payload: &serde_json::Value) -> Option<(String, String)> {
    let s = |k: &str| payload[k].as_str().unwrap_or_default().to_owned();
    let (name, school, time, date) = (s("masked_name"), s("school_name"), s("time"), s("date"));
    Some(match template {
        "swipe_arrival" => (
            format!("{name} 到校通知 / Arrived at school"),
            format!(
                "{name} 於 {date} {time} 在{school}刷卡到校。\n\
                 {name} swiped in at {school} on {date} at {time}.\n"
            ),
        ),
        "swipe_departure" => (
            format!("{name} 離校通知 / Left school"),
            format!(
                "{name} 於 {date} {time} 在{school}刷卡離校。\n\
                 {name} swiped out at {school} on {date} at {time}.\n"
            ),
        ),
        "absence" => (
            format!("{name} 未到校刷卡通知 / No arrival swipe"),
            format!(
                "截至 {date} {time}，系統沒有收到 {name} 在{school}的到校刷卡紀錄。\n\
                 未刷卡不等於缺席：孩子可能忘了刷卡或卡片故障，請與孩子或學校確認。\n\n\
                 By {time} on {date} no arrival swipe of {name} at {school} was received. \
                 A missing swipe is not an absence record: please check with your child or \
                 the school.\n"
            ),
        ),
        "school_notice" => (
            format!("【{school}】{}", s("title")),
            format!(
                "{school} 學校通知：\n\n\
                 {title}\n\n\
                 {body}\n\n\
                 本通知由學校透過學生證服務「家長專區」發送，也可登入「家長專區」查看。\n\
                 A notice from {school}, sent through the student card service; you can also \
                 read it in the parent area.\n",
                title = s("title"),
                body = s("body"),
            ),
        ),
        "notify_email_code" => (
            "通知信箱驗證碼 / Notification e-mail: verification code".to_owned(),
            format!(
                "您好：\n\n\
                 您在「家長專區」設定以此信箱接收到離校通知。\n\
                 驗證碼：{code}\n\
                 驗證碼 {minutes} 分鐘內有效，只能使用一次。若不是您設定的，請不要理會本訊息。\n\n\
                 You set this address to receive school arrival and departure messages. \
                 Verification code: {code} (valid {minutes} minutes, single use). If it was not \
                 you, ignore this message.\n",
                code = s("code"),
                minutes = payload["minutes"].as_i64().unwrap_or(60),
            ),
        ),
        "line_linked" => (
            "LINE 已連結 / LINE linked".to_owned(),
            "您的 LINE 已與學生證服務「家長專區」帳號連結，之後可在「帳號設定」選擇要收到的通知。\n\
             Your LINE is now linked to your parent account; choose your messages in the account settings.\n"
                .to_owned(),
        ),
        "sms_cancellation_approved" => (
            "到離校簡訊註銷已核可 / SMS service cancelled".to_owned(),
            format!(
                "您好：\n\n\
                 {name}（{school}）{term} 到離校簡訊服務的註銷申請已經學校核可，自 {from} 起停止發送。\n\
                 退費事宜請與學校聯絡。\n\n\
                 The cancellation of the SMS service ({term}) for {name} was approved; no more \
                 messages from {from}. Please contact the school about a refund.\n",
                term = s("term_name"),
                from = s("effective_on"),
            ),
        ),
        "sms_cancellation_rejected" => (
            "到離校簡訊註銷未核可 / SMS cancellation not approved".to_owned(),
            format!(
                "您好：\n\n\
                 {name}（{school}）{term} 到離校簡訊服務的註銷申請未獲核可。\n\
                 原因：{reason}\n\n\
                 The cancellation of the SMS service ({term}) for {name} was not approved. \
                 Reason: {reason}\n",
                term = s("term_name"),
                reason = s("reason"),
            ),
        ),
        "application_status" => (
            format!("申辦進度：{} / Application {}", s("status_zh"), s("status_en")),
            {
                let serial = s("serial_no");
                let note = s("note");
                let mut body = format!(
                    "您的學生證補發申請 {serial} 目前狀態：{}。\n",
                    s("status_zh")
                );
                match s("status").as_str() {
                    "awaiting_payment" => body.push_str(&format!(
                        "繳費單已產生：應繳 {} 元，繳費期限 {}，繳費號碼 {}。可在「卡片查詢」下載繳費單。\n",
                        payload["amount"].as_i64().unwrap_or(0),
                        s("due_on"),
                        s("payment_no"),
                    )),
                    "returned" => body.push_str(&format!("退件原因：{note}\n")),
                    "processing" => body.push_str(
                        "請將舊卡連同「處理作業單」寄回發卡單位；收到舊卡後才會製卡。\n\
                         Please mail the old card back to the card issuer with the processing \
                         form; the new card is printed once the old one arrives.\n",
                    ),
                    "shipped" if !note.is_empty() => body.push_str(&format!(
                        "卡片已以掛號寄出，掛號號碼：{note}。\nRegistered mail number: {note}.\n"
                    )),
                    "shipped" => body.push_str("卡片已寄送至學校，請向學校領取。\n"),
                    "closed" => body.push_str("卡片已送達或交付，本申請已結案。\n"),
                    "expired" => body.push_str(
                        "繳費期限已過，本申請已失效，不會製卡。如仍需補發，請重新線上申辦。\n\
                         The payment deadline has passed: this application has lapsed and no card \
                         will be made. To get a card, apply again.\n",
                    ),
                    _ => {}
                }
                body.push_str(&format!(
                    "\nYour student card application {serial} is now: {}.\n",
                    s("status_en")
                ));
                body
            },
        ),
        "application_printed" => (
            "申辦進度：卡片已印製 / Card printed".to_owned(),
            format!(
                "您的學生證補發申請 {serial} 的卡片已由印卡中心印製完成，即將寄出。\n\n\
                 The card of your application {serial} has been printed and will be sent soon.\n",
                serial = s("serial_no"),
            ),
        ),
        "payment_reminder" => (
            "繳費期限提醒 / Payment deadline reminder".to_owned(),
            format!(
                "您的學生證補發申請 {serial} 尚未繳費：應繳 {amount} 元，繳費期限 {due}，繳費號碼 {no}。\n                 逾期未繳需重新申請。可在「卡片查詢」下載繳費單。\n\n                 Your application {serial} is unpaid: NT${amount} due by {due} (payment number {no}).\n",
                serial = s("serial_no"),
                amount = payload["amount"].as_i64().unwrap_or(0),
                due = s("due_on"),
                no = s("payment_no"),
            ),
        ),
        "stop_recorded" => (
            "停卡掛失已受理 / Card stop recorded".to_owned(),
            format!(
                "{name} 的學生證（卡片外碼 {card}）已於 {at} 完成停卡掛失，受理編號 {serial}。\n                 若不是您申請的，請立即與學校聯絡。\n\n                 The student card of {name} ({card}) was stopped at {at}, reference {serial}. \
                 If it was not you, contact the school at once.\n",
                card = s("outer_no_masked"),
                at = s("stopped_at"),
                serial = s("serial_no"),
            ),
        ),
        "card_action" => {
            let (card, serial, at) = (s("card_masked"), s("serial_no"), s("at"));
            let (what_zh, what_en) = match payload["action"].as_str().unwrap_or_default() {
                "lock" => (
                    format!("的學生證（卡片外碼 {card}）已於 {at} 暫時鎖卡。"),
                    format!("The student card of {name} ({card}) was temporarily locked at {at}."),
                ),
                "unlock" => (
                    format!("的學生證（卡片外碼 {card}）已於 {at} 解除鎖卡。"),
                    format!("The student card of {name} ({card}) was unlocked at {at}."),
                ),
                "stop" => (
                    format!("的學生證（卡片外碼 {card}）已於 {at} 停卡掛失，受理編號 {serial}。"),
                    format!(
                        "The student card of {name} ({card}) was reported lost and stopped at {at}, reference {serial}."
                    ),
                ),
                "apply" => (
                    format!("已於 {at} 申請補發學生證，申請編號 {serial}。"),
                    format!("A replacement student card for {name} was applied for at {at}, reference {serial}."),
                ),
                "refund" => {
                    let amount = payload["amount"].as_i64().unwrap_or(0);
                    let paid_on = s("paid_on");
                    return Some((
                        format!("{name} 停卡退費已完成 / Refund paid"),
                        format!(
                            "{name} 的學生證（卡片外碼 {card}）停卡掛失 {serial} 的退費 {amount} 元，\
                             已於 {paid_on} 由票證公司退還。\n\
                             若有疑問，請洽一卡通客服專線 (07)791-2000。\n\n\
                             The refund of NT${amount} for the stopped student card of {name} \
                             ({card}, reference {serial}) was paid by the card issuer on {paid_on}.\n\
                             Questions: iPASS customer service, (07) 791-2000.\n"
                        ),
                    ));
                }
                _ => return None,
            };
            let how = if payload["by_parent"].as_bool().unwrap_or(false) {
                ("（由家長專區辦理）", " (in the parent area)")
            } else {
                ("（以身分證號與生日驗證辦理）", " (by ID number and birth date)")
            };
            (
                format!("{name} 學生證異動通知 / Student card notice"),
                format!(
                    "{name}{what_zh}{}\n\
                     若不是您或家人辦理的，請立即與學校聯絡。\n\n\
                     {what_en}{}\n\
                     If it was not you or your family, contact the school at once.\n",
                    how.0, how.1
                ),
            )
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_card_action_notice_names_the_action_and_says_whom_to_call() {
        let payload = serde_json::json!({
            "action": "lock", "masked_name": "王○明", "card_masked": "123456****",
            "serial_no": "", "at": "2026-11-30 09:15", "by_parent": false,
        });
        let (subject, body) = render("card_action", &payload).expect("rendered");
        assert!(subject.contains("王○明"), "{subject}");
        assert!(
            body.contains("暫時鎖卡") && body.contains("temporarily locked"),
            "{body}"
        );
        assert!(body.contains("以身分證號與生日驗證"), "{body}");
        assert!(body.contains("請立即與學校聯絡"), "{body}");
        let stop = serde_json::json!({
            "action": "stop", "masked_name": "王○明", "card_masked": "123456****",
            "serial_no": "ST20261130000001", "at": "2026-11-30 09:15", "by_parent": true,
        });
        let (_, body) = render("card_action", &stop).expect("rendered");
        assert!(
            body.contains("ST20261130000001") && body.contains("家長專區"),
            "{body}"
        );
        assert!(render("card_action", &serde_json::json!({ "action": "x" })).is_none());
        let refund = serde_json::json!({
            "action": "refund", "masked_name": "王○明", "card_masked": "123456****",
            "serial_no": "ST20261130000001", "at": "2026-12-10 09:15", "by_parent": false,
            "amount": 200, "paid_on": "2026-12-09",
        });
        let (subject, body) = render("card_action", &refund).expect("rendered");
        assert!(subject.contains("退費"), "{subject}");
        assert!(
            body.contains("200 元") && body.contains("2026-12-09") && body.contains("NT$200"),
            "{body}"
        );
    }

    #[test]
    fn a_school_notice_carries_the_title_and_body_as_written() {
        let payload = serde_json::json!({
            "school_name": "仁愛國小", "title": "颱風停課", "body": "明天停課。\n請留意。",
        });
        let (subject, body) = render("school_notice", &payload).expect("template");
        assert_eq!(subject, "【仁愛國小】颱風停課");
        assert!(
            body.contains("颱風停課\n\n明天停課。\n請留意。\n"),
            "{body}"
        );
        assert!(body.contains("A notice from 仁愛國小"), "{body}");
    }

    #[test]
    fn the_absence_message_says_a_missing_swipe_is_not_an_absence() {
        let payload = serde_json::json!({
            "masked_name": "林○晴", "school_name": "仁愛國小", "time": "09:00", "date": "2026-11-23",
        });
        let (subject, body) = render("absence", &payload).expect("template");
        assert!(subject.contains("林○晴"));
        assert!(body.contains("未刷卡不等於缺席"), "{body}");
        let (_, body) = render("swipe_arrival", &payload).expect("template");
        assert!(body.contains("2026-11-23 09:00"), "{body}");
        assert!(render("nope", &payload).is_none());
    }
}
