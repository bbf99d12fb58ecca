//! Client events by name and payload, shared by both framings (`spec/originals.md` §2.3).
//!
//! socket.io carries `[name, payload, …]` (extra arguments are ignored, as the original server's
//! one-parameter handlers did); JSON carries `{"type":name,"data":payload}`. Both end here, so a
//! `hello` or a `choice` means the same thing whichever way it came.

use serde_json::{Map, Value, value::RawValue};

use super::{excerpt, scan};
use crate::protocol::{Choice, ClientCommand, User};

/// Why an event gave no command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum EventError {
    /// A name the game does not know; each framing decides what that means.
    Unknown,
    /// A known name with a payload that does not fit it: the reason.
    Invalid(String),
}

/// The command that event `name` with `payload` (the first argument as JSON text, `None` if
/// absent) asks for. Only `hello` builds its payload as a value; `choice` and `face` read their
/// one integer straight from the text ([`scan`]).
///
/// - `hello {"user":{"uid","uname","uavatar"}}` → [`ClientCommand::Hello`]. Each field may be
///   a string, `null` or missing (→ `""`), or a number (→ its decimal text, as `serde_json`
///   prints it: the original server stored `packet.user` verbatim and echoed it, so a numeric
///   id still identifies the player). Booleans, arrays and objects there are invalid, and so is
///   a payload without a `user` object (the original server would have thrown on it). Other
///   keys (`cordinate`, …) are ignored.
/// - `join`, `leave` → their commands; payload ignored (the client sends none).
/// - `choice {"choice":n}` → [`ClientCommand::Choice`]; `n` must be the JSON integer 1, 2 or 3
///   (the original client sends numbers; `"2"` or `2.5` are invalid).
/// - `face {"face":n}` → [`ClientCommand::Face`]; `n` any integer that fits `i64`.
///
/// # Errors
///
/// [`EventError::Unknown`] for any other name, [`EventError::Invalid`] when the payload does not
/// fit the name.
pub(super) fn parse(name: &str, payload: Option<&RawValue>) -> Result<ClientCommand, EventError> {
    match name {
        "hello" => {
            // The text is valid JSON already (the frame was checked to get here).
            let value = payload.and_then(|raw| serde_json::from_str::<Value>(raw.get()).ok());
            hello(value.as_ref()).map(ClientCommand::Hello)
        }
        "join" => Ok(ClientCommand::Join),
        "leave" => Ok(ClientCommand::Leave),
        "choice" => {
            let number = integer(payload, "choice")?;
            Choice::from_number(number)
                .map(ClientCommand::Choice)
                .ok_or_else(|| invalid(format!("choice {number} is not 1, 2 or 3")))
        }
        "face" => integer(payload, "face").map(ClientCommand::Face),
        _ => Err(EventError::Unknown),
    }
}

fn invalid(reason: impl Into<String>) -> EventError {
    EventError::Invalid(reason.into())
}

/// The payload as an object, for the events that need one.
fn object<'a>(
    payload: Option<&'a Value>,
    event: &str,
) -> Result<&'a Map<String, Value>, EventError> {
    payload
        .and_then(Value::as_object)
        .ok_or_else(|| invalid(format!("{event} needs an object payload")))
}

/// `payload[key]` as an `i64`.
fn integer(payload: Option<&RawValue>, key: &str) -> Result<i64, EventError> {
    match payload.and_then(|raw| scan::integer_field(raw, key)) {
        Some(Some(number)) => Ok(number),
        Some(None) => Err(invalid(format!("{key} needs an integer \"{key}\""))),
        None => Err(invalid(format!("{key} needs an object payload"))),
    }
}

fn hello(payload: Option<&Value>) -> Result<User, EventError> {
    let user = object(payload, "hello")?
        .get("user")
        .and_then(Value::as_object)
        .ok_or_else(|| invalid("hello needs a \"user\" object"))?;
    Ok(User {
        uid: user_field(user, "uid")?,
        uname: user_field(user, "uname")?,
        uavatar: user_field(user, "uavatar")?,
    })
}

/// One `user` field: string as is, missing or `null` → `""`, number → its text.
fn user_field(user: &Map<String, Value>, key: &str) -> Result<String, EventError> {
    match user.get(key) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(text)) => Ok(text.clone()),
        Some(Value::Number(number)) => Ok(number.to_string()),
        Some(other) => Err(invalid(format!(
            "user.{key} must be a string, not {}",
            excerpt(&other.to_string())
        ))),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn user(uid: &str, uname: &str, uavatar: &str) -> ClientCommand {
        ClientCommand::Hello(User {
            uid: uid.into(),
            uname: uname.into(),
            uavatar: uavatar.into(),
        })
    }

    fn parsed(name: &str, payload: Value) -> Result<ClientCommand, EventError> {
        let raw = serde_json::value::to_raw_value(&payload).unwrap_or_else(|e| panic!("{e}"));
        parse(name, Some(&raw))
    }

    fn is_invalid(result: Result<ClientCommand, EventError>) -> bool {
        matches!(result, Err(EventError::Invalid(_)))
    }

    #[test]
    fn hello_takes_the_three_user_fields_and_ignores_the_rest() {
        let payload = json!({"user": {"uid": "u1", "uname": "甲", "uavatar": "http://a/1.png",
            "cordinate": {"lat": 1, "lng": 2}}, "extra": true});
        assert_eq!(
            parsed("hello", payload),
            Ok(user("u1", "甲", "http://a/1.png"))
        );
    }

    #[test]
    fn hello_user_fields_missing_or_null_are_empty() {
        assert_eq!(parsed("hello", json!({"user": {}})), Ok(user("", "", "")));
        assert_eq!(
            parsed("hello", json!({"user": {"uid": null, "uname": "n"}})),
            Ok(user("", "n", ""))
        );
    }

    #[test]
    fn hello_user_numbers_become_their_text() {
        assert_eq!(
            parsed("hello", json!({"user": {"uid": 42, "uname": -1.5}})),
            Ok(user("42", "-1.5", ""))
        );
    }

    #[test]
    fn hello_user_fields_of_other_types_are_invalid() {
        for bad in [json!(true), json!([1]), json!({"a": 1})] {
            assert!(is_invalid(parsed("hello", json!({"user": {"uid": bad}}))));
        }
    }

    #[test]
    fn hello_without_a_user_object_is_invalid() {
        assert!(is_invalid(parse("hello", None)));
        assert!(is_invalid(parsed("hello", json!({}))));
        assert!(is_invalid(parsed("hello", json!({"user": "u1"}))));
        assert!(is_invalid(parsed("hello", json!({"user": null}))));
        assert!(is_invalid(parsed("hello", json!("u1"))));
    }

    #[test]
    fn join_and_leave_ignore_their_arguments() {
        assert_eq!(parse("join", None), Ok(ClientCommand::Join));
        assert_eq!(parsed("join", json!(5)), Ok(ClientCommand::Join));
        assert_eq!(parse("leave", None), Ok(ClientCommand::Leave));
        assert_eq!(parsed("leave", json!({"x": 1})), Ok(ClientCommand::Leave));
    }

    #[test]
    fn choice_takes_integers_one_to_three() {
        assert_eq!(
            parsed("choice", json!({"choice": 1})),
            Ok(ClientCommand::Choice(Choice::Scissors))
        );
        assert_eq!(
            parsed("choice", json!({"choice": 2})),
            Ok(ClientCommand::Choice(Choice::Rock))
        );
        assert_eq!(
            parsed("choice", json!({"choice": 3})),
            Ok(ClientCommand::Choice(Choice::Paper))
        );
    }

    #[test]
    fn choice_out_of_range_or_not_an_integer_is_invalid() {
        for bad in [
            json!({"choice": 0}),
            json!({"choice": 4}),
            json!({"choice": -1}),
            json!({"choice": 2.5}),
            json!({"choice": "2"}),
            json!({"choice": null}),
            json!({"choice": u64::MAX}),
            json!({}),
            json!(2),
        ] {
            assert!(is_invalid(parsed("choice", bad.clone())), "{bad}");
        }
        assert!(is_invalid(parse("choice", None)));
    }

    #[test]
    fn face_takes_any_i64() {
        assert_eq!(
            parsed("face", json!({"face": 1})),
            Ok(ClientCommand::Face(1))
        );
        assert_eq!(
            parsed("face", json!({"face": i64::MIN})),
            Ok(ClientCommand::Face(i64::MIN))
        );
    }

    #[test]
    fn face_that_is_not_an_integer_is_invalid() {
        for bad in [
            json!({"face": "1"}),
            json!({"face": 1.5}),
            json!({}),
            json!([1]),
        ] {
            assert!(is_invalid(parsed("face", bad.clone())), "{bad}");
        }
        assert!(is_invalid(parse("face", None)));
    }

    #[test]
    fn other_names_are_unknown() {
        assert_eq!(parse("hi", None), Err(EventError::Unknown));
        assert_eq!(parse("Join", None), Err(EventError::Unknown));
        assert_eq!(parse("", None), Err(EventError::Unknown));
    }

    #[test]
    fn reasons_quote_client_values_briefly() {
        let long = "x".repeat(10_000);
        let Err(EventError::Invalid(reason)) = parsed("hello", json!({"user": {"uid": [long]}}))
        else {
            panic!("expected invalid");
        };
        assert!(reason.len() < 100, "{reason}");
    }
}
