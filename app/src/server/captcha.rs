//! Server-generated captchas (SPEC §7): 5 characters, single use, 2 minutes, bound to
//! the session, with an audio version as the accessible alternative.
//!
//! The `captcha` crate draws the image offline and ships per-letter recordings; we
//! join those into one WAV with `hound`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
};

use super::crypto::PiiCipher;
use super::entities::captchas;

pub const LENGTH: u32 = 5;
pub const LIFETIME_SECS: i64 = 120;
/// Letters and digits that cannot be mistaken for each other (no 0/O, 1/I/L).
const ALPHABET: &[char] = &[
    '2', '3', '4', '5', '6', '7', '8', '9', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'J', 'K', 'M',
    'N', 'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z',
];

/// A freshly drawn challenge (never sent: the answer).
pub struct Drawn {
    pub answer: String,
    pub png: Vec<u8>,
    pub wav: Vec<u8>,
}

/// Draws a new captcha image and its audio.
pub fn draw() -> Drawn {
    use captcha::Captcha;
    use captcha::filters::{Dots, Noise, Wave};
    let mut c = Captcha::new();
    c.set_chars(ALPHABET)
        .add_chars(LENGTH)
        .apply_filter(Noise::new(0.2))
        .apply_filter(Wave::new(2.0, 8.0).horizontal())
        .apply_filter(Dots::new(6))
        .view(220, 80)
        .set_color([26, 74, 138]);
    let answer = c.chars_as_string();
    let png = c.as_png().unwrap_or_default();
    let wav = join_wavs(c.as_wav().into_iter().flatten().collect());
    Drawn { answer, png, wav }
}

/// Concatenates per-letter WAV clips with a short silence between them.
fn join_wavs(clips: Vec<Vec<u8>>) -> Vec<u8> {
    let mut spec = None;
    let mut samples: Vec<i16> = Vec::new();
    for clip in clips {
        let Ok(mut reader) = hound::WavReader::new(std::io::Cursor::new(clip)) else {
            continue;
        };
        let s = reader.spec();
        spec.get_or_insert(s);
        samples.extend(reader.samples::<i16>().map_while(Result::ok));
        let gap = (s.sample_rate as usize / 2) * s.channels as usize;
        samples.extend(std::iter::repeat_n(0i16, gap));
    }
    let Some(spec) = spec else {
        return Vec::new();
    };
    let mut out = std::io::Cursor::new(Vec::new());
    if let Ok(mut w) = hound::WavWriter::new(&mut out, spec) {
        for s in samples {
            if w.write_sample(s).is_err() {
                break;
            }
        }
        let _ = w.finalize();
    }
    out.into_inner()
}

fn answer_hash(cipher: &PiiCipher, id: &str, answer: &str) -> String {
    cipher.keyed_hash(
        "captcha",
        &format!("{id}:{}", answer.trim().to_ascii_uppercase()),
    )
}

/// What the browser receives.
pub struct Issued {
    pub id: String,
    pub png_base64: String,
    pub wav_base64: String,
}

/// Stores a new captcha for `session_key`, replacing any earlier one of that session.
///
/// # Errors
/// Database errors.
pub async fn issue(
    db: &impl ConnectionTrait,
    cipher: &PiiCipher,
    session_key: &str,
) -> Result<Issued, DbErr> {
    let now = Utc::now();
    captchas::Entity::delete_many()
        .filter(
            Condition::any()
                .add(captchas::Column::ExpiresAt.lt(now))
                .add(captchas::Column::SessionKey.eq(session_key)),
        )
        .exec(db)
        .await?;
    let drawn = tokio::task::spawn_blocking(draw)
        .await
        .map_err(|e| DbErr::Custom(format!("captcha drawing failed: {e}")))?;
    let id = uuid_like();
    captchas::ActiveModel {
        id: Set(id.clone()),
        session_key: Set(session_key.to_owned()),
        answer_hash: Set(answer_hash(cipher, &id, &drawn.answer)),
        expires_at: Set(now + Duration::seconds(LIFETIME_SECS)),
    }
    .insert(db)
    .await?;
    Ok(Issued {
        id,
        png_base64: B64.encode(drawn.png),
        wav_base64: B64.encode(drawn.wav),
    })
}

/// Checks and consumes the session's captcha: whatever the answer, it cannot be used
/// again. `test_answer` is `PORTAL_TEST_CAPTCHA`, accepted in place of the real one
/// (but only while the session holds a live captcha).
///
/// Of several requests racing with one captcha exactly one consumes it: the delete is
/// conditional on the row still being there and unexpired, and only the request whose
/// delete removed it may check the answer.
///
/// # Errors
/// Database errors.
pub async fn check_and_consume(
    db: &impl ConnectionTrait,
    cipher: &PiiCipher,
    session_key: &str,
    answer: &str,
    test_answer: Option<&str>,
) -> Result<bool, DbErr> {
    let Some(row) = captchas::Entity::find()
        .filter(captchas::Column::SessionKey.eq(session_key))
        .one(db)
        .await?
    else {
        return Ok(false);
    };
    let consumed = captchas::Entity::delete_many()
        .filter(captchas::Column::Id.eq(row.id.clone()))
        .filter(captchas::Column::ExpiresAt.gt(Utc::now()))
        .exec(db)
        .await?;
    if consumed.rows_affected != 1 {
        // Expired, or another request consumed it first.
        return Ok(false);
    }
    if test_answer.is_some_and(|t| !t.is_empty() && t == answer.trim()) {
        return Ok(true);
    }
    Ok(row.answer_hash == answer_hash(cipher, &row.id, answer))
}

/// A random 128-bit identifier in hex.
pub fn uuid_like() -> String {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

const CAPTCHA_SESSION_KEY: &str = "captcha_binding";

/// The key binding this session's captcha (made on first use); parent login checks
/// captchas under the same key.
///
/// # Errors
/// Session store errors.
pub async fn captcha_binding(
    cx: &crate::server::context::CallContext,
) -> Result<String, crate::error::AppError> {
    if let Some(k) = cx.session.get::<String>(CAPTCHA_SESSION_KEY).await? {
        return Ok(k);
    }
    let k = uuid_like();
    cx.session.insert(CAPTCHA_SESSION_KEY, &k).await?;
    Ok(k)
}

/// # Errors
/// Database errors.
pub async fn issue_captcha(
    cx: &crate::server::context::CallContext,
) -> Result<crate::domain::captcha::CaptchaChallenge, crate::error::AppError> {
    let binding = captcha_binding(cx).await?;
    let issued = issue(&cx.state.db, &cx.state.cipher, &binding).await?;
    Ok(crate::domain::captcha::CaptchaChallenge {
        image: format!("data:image/png;base64,{}", issued.png_base64),
        audio: format!("data:audio/wav;base64,{}", issued.wav_base64),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drawn_captcha_has_five_unambiguous_characters_an_image_and_audio() {
        let d = draw();
        assert_eq!(d.answer.chars().count(), 5);
        assert!(d.answer.chars().all(|c| ALPHABET.contains(&c)));
        assert!(d.png.starts_with(&[0x89, b'P', b'N', b'G']));
        assert!(d.wav.starts_with(b"RIFF"));
        assert!(d.wav.len() > 1000);
    }
}
