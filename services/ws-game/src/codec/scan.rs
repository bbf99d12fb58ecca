//! Reading the JSON around an event without building it: the event array's name and payload, the
//! JSON frame's `type` and `data`, and an integer field of a payload, borrowed from the frame's
//! text. A `choice` then costs no allocation; `serde_json` still checks every byte's syntax
//! (a [`RawValue`] is only accepted once it is valid JSON).
//!
//! The readings mean what reading the whole frame into a `serde_json::Value` would: extra array
//! elements and object keys are skipped, and of a key given twice the last one counts.

use std::{borrow::Cow, fmt};

use serde::{
    Deserializer,
    de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor},
};
use serde_json::value::RawValue;

/// The first two elements of the JSON array `text`, unparsed (an event's name and payload); the
/// rest is checked and skipped.
///
/// # Errors
/// `text` is not one JSON array.
pub(super) fn event_array(
    text: &str,
) -> Result<(Option<&RawValue>, Option<&RawValue>), serde_json::Error> {
    struct FirstTwo;
    impl<'de> Visitor<'de> for FirstTwo {
        type Value = (Option<&'de RawValue>, Option<&'de RawValue>);
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON array")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let first = seq.next_element()?;
            let second = match first {
                Some(_) => seq.next_element()?,
                None => None,
            };
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok((first, second))
        }
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let found = deserializer.deserialize_seq(FirstTwo)?;
    deserializer.end()?;
    Ok(found)
}

/// `type` and `data` of the JSON object `text`, unparsed; other keys are checked and skipped.
///
/// # Errors
/// `text` is not one JSON object.
pub(super) fn frame_object(
    text: &str,
) -> Result<(Option<&RawValue>, Option<&RawValue>), serde_json::Error> {
    struct TypeAndData;
    impl<'de> Visitor<'de> for TypeAndData {
        type Value = (Option<&'de RawValue>, Option<&'de RawValue>);
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let (mut kind, mut data) = (None, None);
            while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                match key.as_ref() {
                    "type" => kind = Some(map.next_value()?),
                    "data" => data = Some(map.next_value()?),
                    _ => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            Ok((kind, data))
        }
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let found = deserializer.deserialize_map(TypeAndData)?;
    deserializer.end()?;
    Ok(found)
}

/// The text of `raw` if it is a JSON string (borrowed unless it has escapes).
pub(super) fn string(raw: &RawValue) -> Option<Cow<'_, str>> {
    if !raw.get().starts_with('"') {
        return None;
    }
    serde_json::from_str(raw.get()).ok()
}

/// `raw[key]` when `raw` is an object: `Some(Some(n))` for an integer that fits an `i64`,
/// `Some(None)` for anything else or no such key; `None` when `raw` is not an object.
pub(super) fn integer_field(raw: &RawValue, key: &str) -> Option<Option<i64>> {
    if !raw.get().starts_with('{') {
        return None;
    }
    let mut deserializer = serde_json::Deserializer::from_str(raw.get());
    deserializer.deserialize_map(IntegerField(key)).ok()
}

/// Visits an object for one key's integer value.
struct IntegerField<'k>(&'k str);

impl<'de> Visitor<'de> for IntegerField<'_> {
    type Value = Option<i64>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if key == self.0 {
                found = map.next_value_seed(Integer)?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

/// Any JSON value, read as `Some(n)` if it is an integer that fits an `i64` (as
/// `serde_json::Value::as_i64` reads it: `2.0` and `"2"` are not), else `None`.
struct Integer;

impl<'de> DeserializeSeed<'de> for Integer {
    type Value = Option<i64>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Integer {
    type Value = Option<i64>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
        Ok(Some(value))
    }
    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
        Ok(i64::try_from(value).ok())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).unwrap_or_else(|e| panic!("{e}: {text}"))
    }

    #[test]
    fn the_first_two_array_elements_are_kept_as_text() -> Result<(), serde_json::Error> {
        let (name, payload) = event_array(r#"["choice",{"choice":2},"more",[1]]"#)?;
        assert_eq!(name.map(RawValue::get), Some(r#""choice""#));
        assert_eq!(payload.map(RawValue::get), Some(r#"{"choice":2}"#));
        let (name, payload) = event_array("[]")?;
        assert!(name.is_none() && payload.is_none());
        for bad in ["", "{}", r#"["a""#, r#"["a"]x"#, "[1,]"] {
            assert!(event_array(bad).is_err(), "{bad}");
        }
        Ok(())
    }

    #[test]
    fn type_and_data_are_found_in_any_order_and_the_last_counts() -> Result<(), serde_json::Error> {
        let (kind, data) = frame_object(r#"{"data":{"choice":1},"id":9,"type":"choice"}"#)?;
        assert_eq!(kind.map(RawValue::get), Some(r#""choice""#));
        assert_eq!(data.map(RawValue::get), Some(r#"{"choice":1}"#));
        let (kind, _) = frame_object(r#"{"type":"join","type":"leave"}"#)?;
        assert_eq!(kind.map(RawValue::get), Some(r#""leave""#));
        assert!(frame_object("[]").is_err());
        assert!(frame_object(r#"{"type":"join"} {}"#).is_err());
        Ok(())
    }

    #[test]
    fn strings_are_read_with_their_escapes() {
        assert_eq!(string(&raw(r#""choice""#)).as_deref(), Some("choice"));
        assert_eq!(string(&raw(r#""a\"b""#)).as_deref(), Some("a\"b"));
        assert_eq!(string(&raw("1")), None);
        assert_eq!(string(&raw("null")), None);
    }

    #[test]
    fn integer_fields_read_as_value_as_i64_would() {
        let field = |text: &str| integer_field(&raw(text), "choice");
        assert_eq!(field(r#"{"choice":2}"#), Some(Some(2)));
        assert_eq!(field(r#"{"x":[{}],"choice":-7}"#), Some(Some(-7)));
        assert_eq!(field(r#"{"choice":1,"choice":3}"#), Some(Some(3)));
        assert_eq!(field(r#"{"choice":3,"choice":"x"}"#), Some(None));
        for not_an_integer in [
            "2.5",
            "2.0",
            r#""2""#,
            "null",
            "true",
            "[2]",
            "{}",
            "18446744073709551615",
        ] {
            assert_eq!(
                field(&format!(r#"{{"choice":{not_an_integer}}}"#)),
                Some(None)
            );
        }
        assert_eq!(field("{}"), Some(None));
        assert_eq!(field("[2]"), None);
        assert_eq!(field("2"), None);
        assert_eq!(
            integer_field(&raw(r#"{"face":-9223372036854775808}"#), "face"),
            Some(Some(i64::MIN))
        );
    }
}
