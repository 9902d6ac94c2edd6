//! A captcha as the browser receives it (the answer stays on the server): the
//! identity step, the parent login and the staff login show it.

use serde::{Deserialize, Serialize};

/// A captcha as the browser receives it (the answer stays on the server).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaptchaChallenge {
    /// `data:image/png;base64,…`
    pub image: String,
    /// `data:audio/wav;base64,…`
    pub audio: String,
}
