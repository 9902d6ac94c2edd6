//! How dates cross the wire: timestamps as Unix seconds and dates as `YYYY-MM-DD`,
//! parsed by hand, so the browser bundle does not carry chrono's general parser.
//! Use with `#[serde(with = "crate::domain::wire::…")]`.

use super::dates::{iso_date, parse_iso_date};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serializer, de::Error};

pub mod timestamp {
    use super::*;
    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(t.timestamp())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let secs = i64::deserialize(d)?;
        DateTime::from_timestamp(secs, 0).ok_or_else(|| D::Error::custom("timestamp out of range"))
    }
}

pub mod opt_timestamp {
    use super::*;
    pub fn serialize<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_some(&t.timestamp()),
            None => s.serialize_none(),
        }
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        Option::<i64>::deserialize(d)?
            .map(|secs| {
                DateTime::from_timestamp(secs, 0)
                    .ok_or_else(|| D::Error::custom("timestamp out of range"))
            })
            .transpose()
    }
}

pub mod date {
    use super::*;
    pub fn serialize<S: Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&iso_date(*d))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        let v = String::deserialize(d)?;
        parse_iso_date(&v).ok_or_else(|| D::Error::custom("not a YYYY-MM-DD date"))
    }
}

pub mod opt_date {
    use super::*;
    pub fn serialize<S: Serializer>(d: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&iso_date(*d)),
            None => s.serialize_none(),
        }
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|v| parse_iso_date(&v).ok_or_else(|| D::Error::custom("not a YYYY-MM-DD date")))
            .transpose()
    }
}
