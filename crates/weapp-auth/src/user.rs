//! Who a session belongs to: [`OpenId`] and [`WxUserInfo`] (`spec/originals.md` §3.1: "the
//! rawData fields plus `openId`").

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use serde_json::{Map, Value, value::RawValue};

use crate::error::SessionError;

/// Longest openid accepted from WeChat or the store. WeChat's are 28 characters.
const MAX_OPEN_ID_LEN: usize = 128;

/// A user's openid for this mini-program: 1–128 visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct OpenId(String);

/// Not an openid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid openid")]
pub struct InvalidOpenId;

impl OpenId {
    /// Accept `text` as an openid.
    ///
    /// # Errors
    /// [`InvalidOpenId`] when empty, longer than 128 bytes or not visible ASCII.
    pub fn parse(text: &str) -> Result<Self, InvalidOpenId> {
        let fits = !text.is_empty()
            && text.len() <= MAX_OPEN_ID_LEN
            && text.bytes().all(|byte| byte.is_ascii_graphic());
        if fits {
            Ok(Self(text.to_owned()))
        } else {
            Err(InvalidOpenId)
        }
    }

    /// The openid.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OpenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for OpenId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(de::Error::custom)
    }
}

/// A logged-in user: the profile fields the client sent (rawData, or the decrypted open data
/// without its watermark) and the openid WeChat vouched for.
///
/// Serialises as one JSON object, the profile fields in the client's order followed by
/// `"openId"` — the original's `wxUserInfo` byte for byte, also what is stored in Redis. A
/// profile's own `openId` field never overrides the verified one.
///
/// It is kept as that JSON text: every request with a session reads it from the store and
/// most send it back (`/user`), so it is checked and its openid read on the way in, and written
/// out as it is — not rebuilt as a map of values and serialised again, which took about a
/// fifth of a cached-session request's instructions (callgrind). JSON only: `Serialize` and
/// `Deserialize` work with `serde_json`, which is how it is stored and served.
#[derive(Debug, Clone)]
pub struct WxUserInfo {
    open_id: OpenId,
    json: Box<RawValue>,
}

impl PartialEq for WxUserInfo {
    fn eq(&self, other: &Self) -> bool {
        self.open_id == other.open_id && self.json.get() == other.json.get()
    }
}

/// The key of the openid inside a [`WxUserInfo`] object.
const OPEN_ID_KEY: &str = "openId";

/// The profile of a first `weapp-session` request: `raw_data` (already URI-decoded) must be a
/// JSON object (the original `JSON.parse`d it and then set `openId` on it).
///
/// # Errors
/// A magic-key `SyntaxError` (no reason) when `raw_data` is not JSON or not an object.
pub fn profile_from_raw_data(raw_data: &str) -> Result<Map<String, Value>, SessionError> {
    match serde_json::from_str::<Value>(raw_data) {
        Ok(Value::Object(profile)) => Ok(profile),
        Ok(_) => Err(SessionError::syntax_error("rawData is not a JSON object")),
        Err(error) => Err(SessionError::syntax_error(format!(
            "rawData is not JSON: {error}"
        ))),
    }
}

impl WxUserInfo {
    /// A user with `profile` fields and the verified `open_id`.
    pub fn new(open_id: OpenId, mut profile: Map<String, Value>) -> Self {
        profile.shift_remove(OPEN_ID_KEY);
        profile.insert(OPEN_ID_KEY.to_owned(), Value::String(open_id.0.clone()));
        // A map of JSON values always serialises; the fallback is never used.
        let json = serde_json::value::to_raw_value(&profile)
            .unwrap_or_else(|_| empty_object_with(&open_id));
        Self { open_id, json }
    }

    /// The verified openid.
    pub fn open_id(&self) -> &OpenId {
        &self.open_id
    }

    /// The profile fields (`nickName`, `avatarUrl`, …), without `openId`, in their order.
    pub fn profile(&self) -> Map<String, Value> {
        let mut profile: Map<String, Value> =
            serde_json::from_str(self.json.get()).unwrap_or_default();
        profile.shift_remove(OPEN_ID_KEY);
        profile
    }

    /// As stored: compact JSON.
    pub fn to_json(&self) -> String {
        self.json.get().to_owned()
    }
}

/// `{"openId":"…"}`: the object of a user without profile fields.
fn empty_object_with(open_id: &OpenId) -> Box<RawValue> {
    let text = format!(
        r#"{{"{OPEN_ID_KEY}":{}}}"#,
        Value::String(open_id.0.clone())
    );
    RawValue::from_string(text).unwrap_or_else(|_| {
        // An openid is visible ASCII: its JSON string is always valid.
        RawValue::from_string("{}".to_owned()).unwrap_or_default()
    })
}

impl Serialize for WxUserInfo {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.json.serialize(serializer)
    }
}

/// The one field of a stored `wxUserInfo` read on the way in; the rest is skipped unparsed.
#[derive(Deserialize)]
struct StoredOpenId {
    #[serde(rename = "openId")]
    open_id: Option<Value>,
}

impl<'de> Deserialize<'de> for WxUserInfo {
    /// A stored `wxUserInfo`: an object whose `openId` is a valid openid (written by the
    /// original server or this one), kept as the text it was.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let json = Box::<RawValue>::deserialize(deserializer)?;
        // A struct would also be read from an array (`["o-…"]`): only an object will do.
        if !json.get().trim_start().starts_with('{') {
            return Err(de::Error::custom("stored wxUserInfo is not an object"));
        }
        let stored: StoredOpenId = serde_json::from_str(json.get())
            .map_err(|_| de::Error::custom("stored wxUserInfo is not an object"))?;
        let open_id = match stored.open_id {
            Some(Value::String(text)) => OpenId::parse(&text).map_err(de::Error::custom)?,
            _ => return Err(de::Error::custom("stored wxUserInfo has no openId")),
        };
        Ok(Self { open_id, json })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open_id() -> OpenId {
        OpenId::parse("oGZUI0egBJY1zhBYw2KhdUfwVJJE").expect("valid")
    }

    #[test]
    fn raw_data_object_becomes_user_with_open_id_last() {
        let profile = profile_from_raw_data(r#"{"nickName":"Band","gender":1}"#).expect("object");
        let user = WxUserInfo::new(open_id(), profile);
        assert_eq!(
            user.to_json(),
            r#"{"nickName":"Band","gender":1,"openId":"oGZUI0egBJY1zhBYw2KhdUfwVJJE"}"#,
            "rawData's field order, then openId (the original's JSON.stringify)"
        );
    }

    #[test]
    fn a_profile_cannot_claim_another_open_id() {
        let profile = profile_from_raw_data(r#"{"openId":"someone-else"}"#).expect("object");
        let user = WxUserInfo::new(open_id(), profile);
        assert_eq!(user.open_id(), &open_id());
        assert_eq!(
            user.to_json(),
            r#"{"openId":"oGZUI0egBJY1zhBYw2KhdUfwVJJE"}"#
        );
    }

    #[test]
    fn raw_data_must_be_a_json_object() {
        for raw in ["not json", "[1,2]", "\"text\"", "null", ""] {
            let error = profile_from_raw_data(raw).err();
            assert_eq!(error.map(|e| e.name()), Some("SyntaxError"), "{raw}");
        }
    }

    #[test]
    fn stored_json_round_trips_and_needs_an_open_id() {
        let profile = profile_from_raw_data(r#"{"city":"深圳"}"#).expect("object");
        let user = WxUserInfo::new(open_id(), profile);
        let back: WxUserInfo = serde_json::from_str(&user.to_json()).expect("round trip");
        assert_eq!(back, user);
        assert!(serde_json::from_str::<WxUserInfo>(r#"{"city":"x"}"#).is_err());
        assert!(serde_json::from_str::<WxUserInfo>(r#""some-code""#).is_err());
        assert!(serde_json::from_str::<WxUserInfo>(r#"{"openId":""}"#).is_err());
        assert!(serde_json::from_str::<WxUserInfo>(r#"["oGZUI0egBJY1zhBYw2KhdUfwVJJE"]"#).is_err());
        assert!(serde_json::from_str::<WxUserInfo>(r#"{"openId":7}"#).is_err());
        let dup = r#"{"openId":"oGZUI0egBJY1zhBYw2KhdUfwVJJE","openId":"other"}"#;
        assert!(
            serde_json::from_str::<WxUserInfo>(dup).is_err(),
            "two openIds"
        );
    }

    #[test]
    fn open_ids_are_short_visible_ascii() {
        assert!(OpenId::parse("o-abc_DEF123").is_ok());
        assert_eq!(OpenId::parse(""), Err(InvalidOpenId));
        assert_eq!(OpenId::parse("a b"), Err(InvalidOpenId));
        assert_eq!(OpenId::parse(&"o".repeat(129)), Err(InvalidOpenId));
    }
}
