//! Stop-card fees and the refund estimate (SPEC §1 3a), and the refund details'
//! field rules: Taiwanese bank codes, account numbers, postal codes.

use serde::{Deserialize, Serialize};

/// What the holder chooses on «停卡/退費作業».
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundChoice {
    /// «僅掛失停卡不退費»
    NoRefund,
    /// «掛失停卡且退費» by bank transfer («匯款»)
    BankTransfer,
    /// «掛失停卡且退費» by cheque sent by registered mail («郵寄支票»)
    Cheque,
    /// «掛失並將餘額轉入新卡» (iPASS «餘額轉置新卡»): nothing is paid out and no bank
    /// details are asked; the balance less the loss fee goes onto the replacement card.
    TransferToNewCard,
}

impl RefundChoice {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoRefund => "no_refund",
            Self::BankTransfer => "bank_transfer",
            Self::Cheque => "cheque",
            Self::TransferToNewCard => "transfer_to_new_card",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "no_refund" => Some(Self::NoRefund),
            "bank_transfer" => Some(Self::BankTransfer),
            "cheque" => Some(Self::Cheque),
            "transfer_to_new_card" => Some(Self::TransferToNewCard),
            _ => None,
        }
    }

    /// Money is paid out to the holder (bank transfer or cheque): the issuer confirms
    /// it with a refund record. A transfer to the new card is not paid out.
    pub fn pays_out(self) -> bool {
        matches!(self, Self::BankTransfer | Self::Cheque)
    }
}

/// Working days (Monday to Friday) the issuer takes to pay a refund; after that the
/// parent is told whom to call (the legacy systems' note).
pub const REFUND_WORKING_DAYS: u32 = 14;

/// Monday-to-Friday days after `from` up to and including `to` (0 when `to` is not
/// later).
pub fn working_days_between(from: chrono::NaiveDate, to: chrono::NaiveDate) -> u32 {
    use chrono::Datelike;
    let mut days = 0;
    let mut d = from;
    while d < to {
        d = d.succ_opt().unwrap_or(to);
        if d.weekday().number_from_monday() <= 5 {
            days += 1;
        }
    }
    days
}

/// Where a stop's refund stands («退費與否» on the query page).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum RefundProgress {
    /// «退費處理中»: asked at the stop, not yet confirmed by the issuer; `overdue`
    /// after [`REFUND_WORKING_DAYS`] working days.
    Pending { overdue: bool },
    /// «已退費» on that date.
    Paid {
        #[serde(with = "crate::domain::wire::date")]
        paid_on: chrono::NaiveDate,
    },
}

impl RefundProgress {
    /// The progress of a stop with `choice` and `refund_amount`, stopped on
    /// `stopped_on` (Taiwan date), paid on `paid_on` if confirmed; `None` when no
    /// refund is due.
    pub fn of(
        choice: RefundChoice,
        refund_amount: i32,
        stopped_on: chrono::NaiveDate,
        paid_on: Option<chrono::NaiveDate>,
        today: chrono::NaiveDate,
    ) -> Option<Self> {
        if !choice.pays_out() || refund_amount <= 0 {
            return None;
        }
        Some(match paid_on {
            Some(paid_on) => Self::Paid { paid_on },
            None => Self::Pending {
                overdue: working_days_between(stopped_on, today) > REFUND_WORKING_DAYS,
            },
        })
    }
}

/// The configured fees in NT$ (settings `fee.*`; defaults 20 / 10 / 25).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StopFees {
    pub loss: i32,
    pub remittance: i32,
    pub cheque_postage: i32,
}

impl Default for StopFees {
    fn default() -> Self {
        Self {
            loss: 20,
            remittance: 10,
            cheque_postage: 25,
        }
    }
}

/// What the holder will get back, shown before confirming.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundEstimate {
    /// Fees deducted from the balance for this choice.
    pub fees: i32,
    /// NT$ paid out; 0 when no refund was asked or the balance does not cover the fees.
    pub refund: i32,
    /// A refund was asked but the balance does not cover the fees.
    pub not_covered: bool,
}

/// The refund for a card `balance` under `choice`.
pub fn estimate(balance: i32, choice: RefundChoice, fees: StopFees) -> RefundEstimate {
    let fee_total = fees.loss
        + match choice {
            RefundChoice::NoRefund | RefundChoice::TransferToNewCard => 0,
            RefundChoice::BankTransfer => fees.remittance,
            RefundChoice::Cheque => fees.cheque_postage,
        };
    match choice {
        RefundChoice::NoRefund => RefundEstimate {
            fees: fees.loss,
            refund: 0,
            not_covered: false,
        },
        _ if balance > fee_total => RefundEstimate {
            fees: fee_total,
            refund: balance - fee_total,
            not_covered: false,
        },
        _ => RefundEstimate {
            fees: fee_total,
            refund: 0,
            not_covered: true,
        },
    }
}

/// Banks that accept refunds by transfer: (code, zh name, en name).
pub const BANKS: &[(&str, &str, &str)] = &[
    ("004", "臺灣銀行", "Bank of Taiwan"),
    ("005", "臺灣土地銀行", "Land Bank of Taiwan"),
    ("006", "合作金庫商業銀行", "Taiwan Cooperative Bank"),
    ("007", "第一商業銀行", "First Commercial Bank"),
    ("008", "華南商業銀行", "Hua Nan Commercial Bank"),
    ("009", "彰化商業銀行", "Chang Hwa Commercial Bank"),
    (
        "011",
        "上海商業儲蓄銀行",
        "Shanghai Commercial & Savings Bank",
    ),
    ("012", "台北富邦商業銀行", "Taipei Fubon Bank"),
    ("013", "國泰世華商業銀行", "Cathay United Bank"),
    (
        "017",
        "兆豐國際商業銀行",
        "Mega International Commercial Bank",
    ),
    ("050", "臺灣中小企業銀行", "Taiwan Business Bank"),
    ("053", "台中商業銀行", "Taichung Bank"),
    ("103", "臺灣新光商業銀行", "Shin Kong Bank"),
    ("108", "陽信商業銀行", "Sunny Bank"),
    ("700", "中華郵政", "Chunghwa Post"),
    ("803", "聯邦商業銀行", "Union Bank of Taiwan"),
    ("805", "遠東國際商業銀行", "Far Eastern International Bank"),
    ("806", "元大商業銀行", "Yuanta Bank"),
    ("807", "永豐商業銀行", "Bank SinoPac"),
    ("808", "玉山商業銀行", "E.SUN Bank"),
    ("809", "凱基商業銀行", "KGI Bank"),
    ("812", "台新國際商業銀行", "Taishin International Bank"),
    ("822", "中國信託商業銀行", "CTBC Bank"),
    ("823", "將來商業銀行", "Next Bank"),
    ("824", "連線商業銀行", "LINE Bank"),
    ("826", "樂天國際商業銀行", "Rakuten Bank"),
];

/// Field problems of the refund details, as codes the UI translates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefundFieldError {
    Required,
    UnknownBank,
    /// Branch codes are 4 digits.
    Branch,
    /// Account numbers are 10–16 digits (Chunghwa Post: 14).
    Account,
    /// Postal codes are 3, 5 or 6 digits.
    PostalCode,
    /// An address needs at least 6 characters.
    Address,
}

impl RefundFieldError {
    pub fn code(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::UnknownBank => "unknown_bank",
            Self::Branch => "branch",
            Self::Account => "account",
            Self::PostalCode => "postal_code",
            Self::Address => "address",
        }
    }
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// # Errors
/// `Required` or `UnknownBank`.
pub fn validate_bank_code(code: &str) -> Result<(), RefundFieldError> {
    match code.trim() {
        "" => Err(RefundFieldError::Required),
        c if BANKS.iter().any(|b| b.0 == c) => Ok(()),
        _ => Err(RefundFieldError::UnknownBank),
    }
}

/// # Errors
/// `Required` or `Branch`.
pub fn validate_branch_code(code: &str) -> Result<(), RefundFieldError> {
    match code.trim() {
        "" => Err(RefundFieldError::Required),
        c if c.len() == 4 && digits(c) => Ok(()),
        _ => Err(RefundFieldError::Branch),
    }
}

/// Account numbers without dashes or blanks: 10–16 digits; Chunghwa Post (700): 14.
///
/// # Errors
/// `Required` or `Account`.
pub fn validate_account_no(bank_code: &str, account: &str) -> Result<(), RefundFieldError> {
    let a: String = account
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .collect();
    if a.is_empty() {
        return Err(RefundFieldError::Required);
    }
    let ok_len = if bank_code.trim() == "700" {
        a.len() == 14
    } else {
        (10..=16).contains(&a.len())
    };
    if ok_len && digits(&a) {
        Ok(())
    } else {
        Err(RefundFieldError::Account)
    }
}

/// # Errors
/// `Required` or `PostalCode`.
pub fn validate_postal_code(code: &str) -> Result<(), RefundFieldError> {
    match code.trim() {
        "" => Err(RefundFieldError::Required),
        c if matches!(c.len(), 3 | 5 | 6) && digits(c) => Ok(()),
        _ => Err(RefundFieldError::PostalCode),
    }
}

/// # Errors
/// `Required` or `Address`.
pub fn validate_address(address: &str) -> Result<(), RefundFieldError> {
    match address.trim().chars().count() {
        0 => Err(RefundFieldError::Required),
        n if (6..=120).contains(&n) => Ok(()),
        _ => Err(RefundFieldError::Address),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 12, d).expect("date")
    }

    #[test]
    fn a_transfer_to_the_new_card_carries_the_balance_less_the_loss_fee_and_pays_nothing_out() {
        let fees = StopFees::default();
        let t = RefundChoice::TransferToNewCard;
        assert_eq!(RefundChoice::parse(t.as_str()), Some(t));
        assert!(!t.pays_out() && !RefundChoice::NoRefund.pays_out());
        assert!(RefundChoice::BankTransfer.pays_out() && RefundChoice::Cheque.pays_out());
        let est = estimate(230, t, fees);
        assert_eq!((est.fees, est.refund, est.not_covered), (20, 210, false));
        assert!(estimate(15, t, fees).not_covered);
        // Never «退費處理中»: nothing is paid out.
        assert_eq!(RefundProgress::of(t, 210, day(1), None, day(2)), None);
    }

    #[test]
    fn working_days_skip_weekends() {
        // 2026-12-04 is a Friday.
        assert_eq!(working_days_between(day(4), day(4)), 0);
        assert_eq!(working_days_between(day(4), day(6)), 0);
        assert_eq!(working_days_between(day(4), day(7)), 1);
        assert_eq!(working_days_between(day(1), day(22)), 15);
        assert_eq!(working_days_between(day(7), day(1)), 0);
    }

    #[test]
    fn a_refund_is_overdue_after_fourteen_working_days() {
        let bank = RefundChoice::BankTransfer;
        // Stopped Tuesday 12-01: the 14th working day after is Monday 12-21.
        let pending = |today| RefundProgress::of(bank, 200, day(1), None, today);
        assert_eq!(
            pending(day(21)),
            Some(RefundProgress::Pending { overdue: false })
        );
        assert_eq!(
            pending(day(22)),
            Some(RefundProgress::Pending { overdue: true })
        );
        assert_eq!(
            RefundProgress::of(bank, 200, day(1), Some(day(30)), day(31)),
            Some(RefundProgress::Paid { paid_on: day(30) })
        );
        assert_eq!(
            RefundProgress::of(RefundChoice::NoRefund, 0, day(1), None, day(31)),
            None
        );
        assert_eq!(
            RefundProgress::of(RefundChoice::Cheque, 0, day(1), None, day(31)),
            None
        );
    }

    #[test]
    fn refund_estimates_as_a_table() {
        let f = StopFees::default();
        let cases = [
            // balance, choice, fees, refund, not covered
            (230, RefundChoice::NoRefund, 20, 0, false),
            (0, RefundChoice::NoRefund, 20, 0, false),
            (230, RefundChoice::BankTransfer, 30, 200, false),
            (230, RefundChoice::Cheque, 45, 185, false),
            (31, RefundChoice::BankTransfer, 30, 1, false),
            (30, RefundChoice::BankTransfer, 30, 0, true),
            (12, RefundChoice::Cheque, 45, 0, true),
            (45, RefundChoice::Cheque, 45, 0, true),
        ];
        for (balance, choice, fees, refund, not_covered) in cases {
            assert_eq!(
                estimate(balance, choice, f),
                RefundEstimate {
                    fees,
                    refund,
                    not_covered
                },
                "{balance} {choice:?}"
            );
        }
        let custom = StopFees {
            loss: 5,
            remittance: 0,
            cheque_postage: 40,
        };
        assert_eq!(estimate(10, RefundChoice::BankTransfer, custom).refund, 5);
    }

    #[test]
    fn bank_account_rules() {
        assert_eq!(validate_bank_code("808"), Ok(()));
        assert_eq!(
            validate_bank_code("999"),
            Err(RefundFieldError::UnknownBank)
        );
        assert_eq!(validate_bank_code(" "), Err(RefundFieldError::Required));
        assert_eq!(validate_branch_code("0123"), Ok(()));
        assert_eq!(validate_branch_code("123"), Err(RefundFieldError::Branch));
        assert_eq!(validate_account_no("808", "1234-567-890123"), Ok(()));
        assert_eq!(
            validate_account_no("808", "123456789"),
            Err(RefundFieldError::Account)
        );
        assert_eq!(
            validate_account_no("808", "12345678901234567"),
            Err(RefundFieldError::Account)
        );
        assert_eq!(
            validate_account_no("808", "12345678AB"),
            Err(RefundFieldError::Account)
        );
        assert_eq!(validate_account_no("700", "12345678901234"), Ok(()));
        assert_eq!(
            validate_account_no("700", "1234567890123"),
            Err(RefundFieldError::Account)
        );
        assert_eq!(
            validate_account_no("808", ""),
            Err(RefundFieldError::Required)
        );
    }

    #[test]
    fn postal_rules() {
        for ok in ["200", "20045", "200045"] {
            assert_eq!(validate_postal_code(ok), Ok(()), "{ok}");
        }
        for bad in ["20", "2004", "2000456", "20a"] {
            assert_eq!(
                validate_postal_code(bad),
                Err(RefundFieldError::PostalCode),
                "{bad}"
            );
        }
        assert_eq!(validate_address("基隆市仁愛區愛一路1號"), Ok(()));
        assert_eq!(validate_address("基隆"), Err(RefundFieldError::Address));
        assert_eq!(validate_address(""), Err(RefundFieldError::Required));
    }
}
