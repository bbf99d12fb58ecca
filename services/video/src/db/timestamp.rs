//! `DATETIME(3)` values (UTC) as the original's JSON showed them.
//!
//! The original Node server returned rows with `SELECT *`; the `mysql` driver turned a
//! `DATETIME` into a JavaScript `Date`, which `res.json` prints as ISO 8601 in UTC with
//! milliseconds: `2016-03-01T11:03:36.000Z`. [`Timestamp`] serializes the same way.

use std::fmt;

use mysql_async::Value;
use serde::{Serialize, Serializer};

/// A UTC date and time with millisecond precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp {
    year: u16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
    millis: u16,
}

impl Timestamp {
    /// Read a `DATETIME` column value: binary protocol (`Value::Date`) or text protocol
    /// (`YYYY-MM-DD HH:MM:SS[.fff]`).
    ///
    /// # Errors
    /// Any other value, described for the log.
    pub fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::Date(year, month, day, hour, minute, second, micros) => Ok(Self {
                year,
                month,
                day,
                hour,
                minute,
                second,
                millis: u16::try_from(micros / 1000).unwrap_or(999),
            }),
            Value::Bytes(bytes) => Self::parse_text(&bytes)
                .ok_or_else(|| format!("not a DATETIME: {:?}", String::from_utf8_lossy(&bytes))),
            other => Err(format!("not a DATETIME: {other:?}")),
        }
    }

    fn parse_text(bytes: &[u8]) -> Option<Self> {
        let text = std::str::from_utf8(bytes).ok()?;
        let (date, time) = text.split_once(' ')?;
        let mut date = date.splitn(3, '-').map(str::parse::<u16>);
        let (year, month, day) = (date.next()?.ok()?, date.next()?.ok()?, date.next()?.ok()?);
        let (time, fraction) = time.split_once('.').unwrap_or((time, "0"));
        let mut time = time.splitn(3, ':').map(str::parse::<u8>);
        let (hour, minute, second) = (time.next()?.ok()?, time.next()?.ok()?, time.next()?.ok()?);
        let digits: String = fraction.chars().chain("000".chars()).take(3).collect();
        Some(Self {
            year,
            month: u8::try_from(month).ok()?,
            day: u8::try_from(day).ok()?,
            hour,
            minute,
            second,
            millis: digits.parse().ok()?,
        })
    }
}

impl Timestamp {
    /// Length of [`Timestamp::iso8601`]: `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    const ISO_LEN: usize = 24;

    /// The ISO 8601 form, `2016-03-01T11:03:36.000Z`, written digit by digit: the list route
    /// serializes one per row, and `core::fmt` padding cost about a tenth of its CPU.
    /// `None` for a year past 9999, which MySQL's `DATETIME` cannot hold.
    fn iso8601(&self) -> Option<[u8; Self::ISO_LEN]> {
        fn digits(out: &mut [u8], mut value: u16) {
            for slot in out.iter_mut().rev() {
                *slot = b'0' + u8::try_from(value % 10).unwrap_or(0);
                value /= 10;
            }
        }
        if self.year > 9999 {
            return None;
        }
        let mut out = *b"0000-00-00T00:00:00.000Z";
        digits(&mut out[0..4], self.year);
        digits(&mut out[5..7], self.month.into());
        digits(&mut out[8..10], self.day.into());
        digits(&mut out[11..13], self.hour.into());
        digits(&mut out[14..16], self.minute.into());
        digits(&mut out[17..19], self.second.into());
        digits(&mut out[20..23], self.millis.min(999));
        Some(out)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.iso8601() {
            // Only ASCII digits and separators were written.
            Some(iso) => f.write_str(std::str::from_utf8(&iso).map_err(|_| fmt::Error)?),
            None => write!(
                f,
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
                self.year, self.month, self.day, self.hour, self.minute, self.second, self.millis
            ),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.iso8601() {
            Some(iso) => match std::str::from_utf8(&iso) {
                Ok(text) => serializer.serialize_str(text),
                Err(_) => serializer.collect_str(self),
            },
            None => serializer.collect_str(self),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_datetimes_print_like_javascript_dates() {
        let value = Value::Date(2016, 3, 1, 11, 3, 36, 7_000);
        let timestamp = Timestamp::from_value(value).map(|t| t.to_string());
        assert_eq!(timestamp.as_deref(), Ok("2016-03-01T11:03:36.007Z"));
    }

    #[test]
    fn text_datetimes_are_read_too() {
        for (text, expected) in [
            ("2017-11-14 01:24:23.5", "2017-11-14T01:24:23.500Z"),
            ("2017-11-14 01:24:23", "2017-11-14T01:24:23.000Z"),
        ] {
            let value = Value::Bytes(text.as_bytes().to_vec());
            let timestamp = Timestamp::from_value(value).map(|t| t.to_string());
            assert_eq!(timestamp.as_deref(), Ok(expected));
        }
    }

    #[test]
    fn every_field_is_zero_padded_and_out_of_range_years_still_print() {
        let early = Timestamp::from_value(Value::Date(987, 1, 2, 3, 4, 5, 6_000));
        assert_eq!(
            early.map(|t| t.to_string()).as_deref(),
            Ok("0987-01-02T03:04:05.006Z")
        );
        let late = Timestamp::from_value(Value::Date(9999, 12, 31, 23, 59, 59, 999_999));
        assert_eq!(
            late.map(|t| t.to_string()).as_deref(),
            Ok("9999-12-31T23:59:59.999Z")
        );
        let beyond = Timestamp::from_value(Value::Date(10_000, 1, 1, 0, 0, 0, 0));
        assert_eq!(
            beyond.map(|t| t.to_string()).as_deref(),
            Ok("10000-01-01T00:00:00.000Z")
        );
    }

    #[test]
    fn other_values_are_refused() {
        assert!(Timestamp::from_value(Value::NULL).is_err());
        assert!(Timestamp::from_value(Value::Bytes(b"yesterday".to_vec())).is_err());
    }

    #[test]
    fn serializes_as_a_json_string() {
        let timestamp = Timestamp::from_value(Value::Date(2010, 1, 27, 12, 0, 0, 0));
        let json = timestamp.map(|t| serde_json::to_string(&t).unwrap_or_default());
        assert_eq!(json.as_deref(), Ok("\"2010-01-27T12:00:00.000Z\""));
    }
}
