//! [`Fields`]: typed getters over one level of the config object, whose errors name the
//! dotted key and what was found.

use std::ops::RangeInclusive;

use serde_json::{Map, Value};

use super::ConfigError;

/// One level of the config object, with typed getters whose errors name the dotted key.
pub(super) struct Fields<'a> {
    pub(super) map: &'a Map<String, Value>,
    /// `""` or `"cos."`.
    pub(super) prefix: &'static str,
}

impl<'a> Fields<'a> {
    /// The value, `None` when absent or `null`.
    pub(super) fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    pub(super) fn wrong(&self, key: &str, expected: &str, found: &Value) -> ConfigError {
        let key = format!("{}{key}", self.prefix);
        let found = match found {
            Value::Number(_) | Value::Bool(_) if key != "cos.secret_key" => found.to_string(),
            other => kind(other).to_owned(),
        };
        ConfigError::WrongType {
            key,
            expected: expected.to_owned(),
            found,
        }
    }

    pub(super) fn str(&self, key: &str) -> Result<Option<&'a str>, ConfigError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.wrong(key, "a string", other)),
        }
    }

    /// A string where `""` counts as not given.
    pub(super) fn non_empty_str(&self, key: &str) -> Result<Option<&'a str>, ConfigError> {
        Ok(self.str(key)?.filter(|s| !s.is_empty()))
    }

    /// A required non-empty string; `dotted` is the key as reported.
    pub(super) fn required(&self, key: &str, dotted: &'static str) -> Result<&'a str, ConfigError> {
        self.non_empty_str(key)?
            .ok_or(ConfigError::MissingOption { key: dotted })
    }

    pub(super) fn bool(&self, key: &str) -> Result<Option<bool>, ConfigError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(self.wrong(key, "a boolean (true or false)", other)),
        }
    }

    pub(super) fn int(
        &self,
        key: &str,
        range: RangeInclusive<u64>,
    ) -> Result<Option<u64>, ConfigError> {
        let Some(value) = self.get(key) else {
            return Ok(None);
        };
        match value.as_u64() {
            Some(n) if range.contains(&n) => Ok(Some(n)),
            _ => {
                let expected = format!("an integer from {} to {}", range.start(), range.end());
                Err(self.wrong(key, &expected, value))
            }
        }
    }

    /// A string or an array of strings (the original wrapped a lone value in an array).
    pub(super) fn str_list(&self, key: &str) -> Result<Option<Vec<&'a str>>, ConfigError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) if !s.is_empty() => Ok(Some(vec![s.as_str()])),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| match item {
                    Value::String(s) if !s.is_empty() => Ok(s.as_str()),
                    other => Err(self.wrong(&format!("{key}[{i}]"), "a non-empty string", other)),
                })
                .collect::<Result<_, _>>()
                .map(Some),
            Some(other) => Err(self.wrong(key, "a non-empty string or an array of them", other)),
        }
    }
}

/// The JSON type of `value`, for messages.
pub(super) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(s) if s.is_empty() => "an empty string",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
