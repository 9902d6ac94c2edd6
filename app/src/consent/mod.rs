//! Step 1 of every card wizard: the consent notice («授權同意書») and its record.

pub mod api;
#[cfg(feature = "ssr")]
pub mod service;
pub mod view;

use serde::{Deserialize, Serialize};

/// The consent notice currently in force, in each language, one clause per entry
/// (a translation may be missing on a new version: empty).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentNotice {
    pub version: String,
    pub clauses_zh: Vec<String>,
    pub clauses_en: Vec<String>,
    pub clauses_vi: Vec<String>,
    pub clauses_id: Vec<String>,
}

impl ConsentNotice {
    /// The clauses in `locale`, else the Chinese (the text in force).
    pub fn clauses(&self, locale: crate::i18n::Locale) -> &[String] {
        use crate::i18n::Locale;
        let translated = match locale {
            Locale::zh_TW => &self.clauses_zh,
            Locale::en => &self.clauses_en,
            Locale::vi => &self.clauses_vi,
            Locale::id => &self.clauses_id,
        };
        if translated.is_empty() {
            &self.clauses_zh
        } else {
            translated
        }
    }
}
