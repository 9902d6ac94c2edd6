//! Server-generated captchas (SPEC §7): 5 characters, single use, 2 minutes, bound to
//! the session, with an audio version as the accessible alternative.
//!
//! The `captcha` crate draws the image offline and ships per-letter recordings; we
//! join those into one WAV with `hound`, only when the audio button asks for it (the
//! reply that shows a captcha carries the image and a sealed audio link, a few KB).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chrono::{Duration, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set,
};

use super::crypto::PiiCipher;
use super::entities::captchas;
use super::write_turn::write_turn;

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

/// The image's size in pixels (the verification page shows it at this size).
const WIDTH: usize = 220;
const HEIGHT: usize = 80;
/// Ink colour on white: the portal's blue.
const INK: [u8; 3] = [26, 74, 138];

/// One letter of the `captcha` crate's font as an ink mask.
struct Glyph {
    width: usize,
    height: usize,
    ink: Vec<bool>,
}

/// Every letter of [`ALPHABET`] cut out of the crate's font once per process: the
/// crate parses its 49 KB font table and decodes a PNG for every letter of every
/// captcha, and filters a 400 × 300 canvas of which the page shows 220 × 80 (about
/// 2 ms of CPU per captcha); drawing on the shown area from these masks takes a
/// tenth of that.
fn glyphs() -> &'static std::collections::HashMap<char, Glyph> {
    static GLYPHS: std::sync::OnceLock<std::collections::HashMap<char, Glyph>> =
        std::sync::OnceLock::new();
    GLYPHS.get_or_init(|| {
        ALPHABET
            .iter()
            .filter_map(|&ch| {
                let mut c = captcha::Captcha::new();
                c.set_chars(&[ch]).add_char();
                let area = c.text_area();
                c.extract(area);
                let img = image::load_from_memory(&c.as_png()?).ok()?.to_luma8();
                let ink = img.pixels().map(|p| p.0[0] < 128).collect();
                Some((
                    ch,
                    Glyph {
                        width: img.width() as usize,
                        height: img.height() as usize,
                        ink,
                    },
                ))
            })
            .collect()
    })
}

/// Draws a new captcha image (its audio is made only when asked for: [`audio_wav`]):
/// five letters of the `captcha` crate's font with its noise, wave and dots,
/// as a two-colour PNG of about 3 KB.
pub fn draw() -> Drawn {
    use rand::Rng;
    use rand::seq::SliceRandom;
    let mut rng = rand::thread_rng();
    let glyphs = glyphs();
    let answer: String = (0..LENGTH)
        .filter_map(|_| ALPHABET.choose(&mut rng).copied())
        .collect();
    let mut ink = vec![false; WIDTH * HEIGHT];
    // The letters side by side, centred.
    let total: usize = answer
        .chars()
        .filter_map(|c| glyphs.get(&c))
        .map(|g| g.width)
        .sum();
    let mut x0 = WIDTH.saturating_sub(total) / 2;
    for g in answer.chars().filter_map(|c| glyphs.get(&c)) {
        let y0 = HEIGHT.saturating_sub(g.height) / 2;
        for y in 0..g.height.min(HEIGHT - y0) {
            for x in 0..g.width.min(WIDTH.saturating_sub(x0)) {
                if g.ink[y * g.width + x] {
                    ink[(y0 + y) * WIDTH + x0 + x] = true;
                }
            }
        }
        x0 += g.width;
    }
    // Noise: a fifth of the pixels inked (a byte of a fast generator per pixel, seeded
    // from the thread's secure one; the answer above comes from that one directly).
    {
        use rand::{RngCore, SeedableRng};
        let mut noise = rand::rngs::SmallRng::from_rng(&mut rng)
            .unwrap_or_else(|_| rand::rngs::SmallRng::seed_from_u64(0x5eed));
        for pixels in ink.chunks_mut(8) {
            let bytes = noise.next_u64().to_le_bytes();
            for (px, byte) in pixels.iter_mut().zip(bytes) {
                // 51 of 256: a fifth
                *px |= byte < 51;
            }
        }
    }
    // A horizontal wave: each column shifted up or down by up to 8 pixels, about
    // one period across the image.
    let mut waved = vec![false; WIDTH * HEIGHT];
    for x in 0..WIDTH {
        let shift = ((x as f64 * std::f64::consts::TAU * 1.1 / WIDTH as f64).sin() * 8.0) as isize;
        for y in 0..HEIGHT {
            let ny = y as isize - shift;
            if (0..HEIGHT as isize).contains(&ny) && ink[y * WIDTH + x] {
                waved[ny as usize * WIDTH + x] = true;
            }
        }
    }
    // Two filled dots of radius 5–10.
    for _ in 0..2 {
        let (cx, cy) = (
            rng.gen_range(0..WIDTH) as isize,
            rng.gen_range(0..HEIGHT) as isize,
        );
        let r: isize = rng.gen_range(5..=10);
        for y in (cy - r).max(0)..(cy + r).min(HEIGHT as isize) {
            for x in (cx - r).max(0)..(cx + r).min(WIDTH as isize) {
                if (x - cx).pow(2) + (y - cy).pow(2) <= r * r {
                    waved[y as usize * WIDTH + x as usize] = true;
                }
            }
        }
    }
    Drawn {
        answer,
        png: one_bit_png(&waved),
    }
}

/// `ink` as a palette PNG of one bit per pixel (white, [`INK`]).
fn one_bit_png(ink: &[bool]) -> Vec<u8> {
    let row_bytes = WIDTH.div_ceil(8);
    let mut rows = vec![0u8; row_bytes * HEIGHT];
    for (i, _) in ink.iter().enumerate().filter(|(_, inked)| **inked) {
        let (y, x) = (i / WIDTH, i % WIDTH);
        rows[y * row_bytes + x / 8] |= 0x80 >> (x % 8);
    }
    let mut out = Vec::with_capacity(4096);
    let mut encoder = png::Encoder::new(&mut out, WIDTH as u32, HEIGHT as u32);
    encoder.set_color(png::ColorType::Indexed);
    encoder.set_depth(png::BitDepth::One);
    encoder.set_palette(vec![255, 255, 255, INK[0], INK[1], INK[2]]);
    // The noise leaves little to compress: the fastest deflate gives about the same size.
    encoder.set_compression(png::Compression::Fast);
    let written = encoder
        .write_header()
        .and_then(|mut w| w.write_image_data(&rows));
    if written.is_err() {
        return Vec::new();
    }
    out
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
    db: &DatabaseConnection,
    cipher: &PiiCipher,
    session_key: &str,
) -> Result<Issued, DbErr> {
    let now = Utc::now();
    // A fraction of a millisecond: drawn on the runtime's thread (a blocking-pool
    // thread per captcha under load cost memory, not time).
    let drawn = draw();
    let id = uuid_like();
    let expires = now + Duration::seconds(LIFETIME_SECS);
    // One statement: the session's earlier captcha, if any, is replaced (one live
    // captcha per session, by the unique index on `session_key`); expired ones of
    // other sessions are purged in the background ([`purge_expired`]). The drawing
    // is done before the process's turn to write is taken.
    let _turn = write_turn(db).await;
    captchas::Entity::insert(captchas::ActiveModel {
        id: Set(id.clone()),
        session_key: Set(session_key.to_owned()),
        answer_hash: Set(answer_hash(cipher, &id, &drawn.answer)),
        expires_at: Set(expires),
    })
    .on_conflict(
        OnConflict::column(captchas::Column::SessionKey)
            .update_columns([
                captchas::Column::Id,
                captchas::Column::AnswerHash,
                captchas::Column::ExpiresAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(Issued {
        id,
        png_base64: B64.encode(drawn.png),
        audio_token: audio_token(cipher, &drawn.answer, expires),
    })
}

/// Deletes expired captchas (the server does it every ten minutes).
///
/// # Errors
/// Database errors.
pub async fn purge_expired(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    Ok(captchas::Entity::delete_many()
        .filter(captchas::Column::ExpiresAt.lt(Utc::now()))
        .exec(db)
        .await?
        .rows_affected)
}

/// Checks and consumes the session's captcha: whatever the answer, it cannot be used
/// again. `test_answer` is `PORTAL_TEST_CAPTCHA`, accepted in place of the real one
/// (but only while the session holds a live captcha).
///
/// Of several requests racing with one captcha exactly one consumes it: the delete is
/// conditional on the row still being there and unexpired (one statement, returning
/// the row), and only the request whose delete removed it may check the answer.
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
    // One conditional delete that hands back what it removed: only the request whose
    // delete removed the row may check its answer (a session has one captcha at most:
    // the unique index on `session_key`).
    let consumed = captchas::Entity::delete_many()
        .filter(captchas::Column::SessionKey.eq(session_key))
        .filter(captchas::Column::ExpiresAt.gt(Utc::now()))
        .exec_with_returning(db)
        .await?;
    if consumed.is_empty() {
        // None, expired, or another request consumed it first.
        return Ok(false);
    }
    if test_answer.is_some_and(|t| !t.is_empty() && t == answer.trim()) {
        return Ok(true);
    }
    Ok(consumed
        .iter()
        .any(|row| row.answer_hash == answer_hash(cipher, &row.id, answer)))
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
    let issued = issue(&cx.state.ephemeral, &cx.state.cipher, &binding).await?;
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
    fn the_image_is_a_small_two_colour_png_of_the_shown_size() {
        assert_eq!(glyphs().len(), ALPHABET.len(), "a mask for every letter");
        let d = draw();
        let img = image::load_from_memory(&d.png).expect("a PNG").to_rgb8();
        assert_eq!((img.width(), img.height()), (220, 80));
        assert!(img.pixels().all(|p| p.0 == INK || p.0 == [255, 255, 255]));
        // the noise alone inks a fifth; letters, wave and dots add to it
        let inked = img.pixels().filter(|p| p.0 == INK).count();
        assert!(
            inked > 220 * 80 / 5 && inked < 220 * 80 / 2,
            "{inked} inked"
        );
        assert!(d.png.len() < 6_000, "{} bytes", d.png.len());
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
