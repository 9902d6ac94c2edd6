//! Server-generated captchas (SPEC §7): 5 characters, single use, 2 minutes, bound to
//! the session, with an audio version as the accessible alternative.
//!
//! The `captcha` crate draws the image offline and ships per-letter recordings; we
//! join those into one WAV with `hound`, only when the audio button asks for it (the
//! reply that shows a captcha carries the image and a sealed audio link, a few KB).

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
}

/// Draws a new captcha image (its audio is made only when asked for: [`audio_wav`]).
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
    Drawn { answer, png }
}

/// The sample rate of the spoken captcha: the `captcha` crate's recordings are 22 050 Hz
/// 16-bit; speech stays clear at half that in 8 bits, a quarter of the bytes.
const AUDIO_RATE: u32 = 11_025;

/// Each letter's recording at [`AUDIO_RATE`], 8-bit, decoded once per process (the
/// crate parses a 4 MB table for every recording it makes).
fn letter_clips() -> &'static std::collections::HashMap<char, Vec<u8>> {
    static CLIPS: std::sync::OnceLock<std::collections::HashMap<char, Vec<u8>>> =
        std::sync::OnceLock::new();
    CLIPS.get_or_init(|| {
        use captcha::Captcha;
        let mut clips = std::collections::HashMap::new();
        for group in ALPHABET.chunks(LENGTH as usize) {
            let mut c = Captcha::new();
            for ch in group {
                c.set_chars(&[*ch]).add_char();
            }
            for (ch, wav) in c.chars().into_iter().zip(c.as_wav()) {
                if let Some(wav) = wav {
                    clips.insert(ch, downsample(&wav));
                }
            }
        }
        clips
    })
}

/// 16-bit PCM at 22 050 Hz to unsigned 8-bit at [`AUDIO_RATE`] (pairs averaged).
fn downsample(wav: &[u8]) -> Vec<u8> {
    let Ok(mut reader) = hound::WavReader::new(std::io::Cursor::new(wav)) else {
        return Vec::new();
    };
    let step = (reader.spec().sample_rate / AUDIO_RATE).max(1) as usize;
    let samples: Vec<i32> = reader
        .samples::<i16>()
        .map_while(Result::ok)
        .map(i32::from)
        .collect();
    samples
        .chunks(step)
        .map(|c| {
            let mean = c.iter().sum::<i32>() / c.len() as i32;
            // i16 → u8 with 128 as silence, as 8-bit WAV wants.
            ((mean >> 8) + 128).clamp(0, 255) as u8
        })
        .collect()
}

/// The answer spoken letter by letter, as a small 8-bit mono WAV.
pub fn audio_wav(answer: &str) -> Vec<u8> {
    let clips = letter_clips();
    let gap = vec![128u8; AUDIO_RATE as usize * 2 / 5];
    let mut samples = Vec::new();
    for ch in answer.chars() {
        if let Some(clip) = clips.get(&ch) {
            samples.extend_from_slice(clip);
            samples.extend_from_slice(&gap);
        }
    }
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: AUDIO_RATE,
        bits_per_sample: 8,
        sample_format: hound::SampleFormat::Int,
    };
    let mut out = std::io::Cursor::new(Vec::new());
    if let Ok(mut w) = hound::WavWriter::new(&mut out, spec) {
        for s in samples {
            // hound takes 8-bit samples as i8 and stores them offset by 128.
            if w.write_sample((i16::from(s) - 128) as i8).is_err() {
                break;
            }
        }
        let _ = w.finalize();
    }
    out.into_inner()
}

/// Additional data sealing an audio token to its purpose.
const AUDIO_TOKEN_AAD: &str = "captcha.audio";

/// An opaque token for the audio of `answer`, valid until `expires`: the answer
/// sealed with the server's key, so the audio request needs no database read and
/// the browser learns nothing from it.
pub fn audio_token(cipher: &PiiCipher, answer: &str, expires: chrono::DateTime<Utc>) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let sealed = cipher.encrypt(
        &format!("{answer}|{}", expires.timestamp()),
        AUDIO_TOKEN_AAD,
    );
    URL_SAFE_NO_PAD.encode(sealed)
}

/// The answer inside an unexpired audio token; `None` for a forged, altered or expired
/// one.
pub fn audio_answer(cipher: &PiiCipher, token: &str) -> Option<String> {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let sealed = String::from_utf8(URL_SAFE_NO_PAD.decode(token).ok()?).ok()?;
    let plain = cipher.decrypt(&sealed, AUDIO_TOKEN_AAD).ok()?;
    let (answer, expires) = plain.split_once('|')?;
    (expires.parse::<i64>().ok()? >= Utc::now().timestamp()).then(|| answer.to_owned())
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
    /// For [`audio_answer`]: the path `/api/captcha/audio/{audio_token}` speaks it.
    pub audio_token: String,
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
    let expires = now + Duration::seconds(LIFETIME_SECS);
    captchas::ActiveModel {
        id: Set(id.clone()),
        session_key: Set(session_key.to_owned()),
        answer_hash: Set(answer_hash(cipher, &id, &drawn.answer)),
        expires_at: Set(expires),
    }
    .insert(db)
    .await?;
    Ok(Issued {
        id,
        png_base64: B64.encode(drawn.png),
        audio_token: audio_token(cipher, &drawn.answer, expires),
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

/// Where the browser fetches a captcha's audio (followed by the token).
pub const AUDIO_PATH: &str = "/api/captcha/audio/";

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
        audio: format!("{AUDIO_PATH}{}", issued.audio_token),
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
    }

    #[test]
    fn the_audio_speaks_every_letter_in_a_small_wav() {
        let wav = audio_wav("AB2CD");
        let reader = hound::WavReader::new(std::io::Cursor::new(&wav)).expect("a WAV");
        assert_eq!(reader.spec().sample_rate, AUDIO_RATE);
        assert_eq!(reader.spec().bits_per_sample, 8);
        // five recordings and their gaps: seconds of sound, yet far below the
        // 475 KB of the crate's 22 kHz 16-bit clips
        let seconds = reader.duration() as f64 / f64::from(AUDIO_RATE);
        assert!(seconds > 3.0, "{seconds} s");
        assert!(wav.len() < 160_000, "{} bytes", wav.len());
        assert!(audio_wav("A").len() < wav.len() / 3);
    }

    #[test]
    fn an_audio_token_opens_only_unaltered_and_unexpired() {
        let cipher = PiiCipher::from_secret(b"0123456789abcdef0123456789abcdef");
        let live = audio_token(&cipher, "AB2CD", Utc::now() + Duration::seconds(60));
        assert_eq!(audio_answer(&cipher, &live).as_deref(), Some("AB2CD"));
        let expired = audio_token(&cipher, "AB2CD", Utc::now() - Duration::seconds(1));
        assert_eq!(audio_answer(&cipher, &expired), None);
        let other = PiiCipher::from_secret(b"fedcba9876543210fedcba9876543210");
        assert_eq!(audio_answer(&other, &live), None);
        let mut altered = live.clone();
        altered.replace_range(10..11, if &live[10..11] == "A" { "B" } else { "A" });
        assert_eq!(audio_answer(&cipher, &altered), None);
        assert_eq!(audio_answer(&cipher, "not a token"), None);
    }
}
