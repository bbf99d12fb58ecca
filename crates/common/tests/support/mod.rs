//! Reading the external vectors of `tests/fixtures/vectors/`, shared by the vector tests.

use std::error::Error;
use std::path::Path;

use serde_json::Value;

/// A test step's result; any error fails the test with its message.
pub type Res<T> = Result<T, Box<dyn Error>>;
/// A test's result.
pub type TestResult = Res<()>;

/// The parsed fixture file `file`.
pub fn fixture(file: &str) -> Res<Value> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vectors");
    Ok(serde_json::from_str(&std::fs::read_to_string(
        dir.join(file),
    )?)?)
}

/// The string at `pointer` (RFC 6901) of `value`.
pub fn text<'a>(value: &'a Value, pointer: &str) -> Res<&'a str> {
    let found = value.pointer(pointer).and_then(Value::as_str);
    Ok(found.ok_or(format!("no string at {pointer}"))?)
}

/// Asserts `actual` equals the string at `pointer` of `vector`, naming the vector on failure.
pub fn expect_eq(actual: &str, vector: &Value, pointer: &str) -> TestResult {
    assert_eq!(actual, text(vector, pointer)?, "{} {pointer}", vector["id"]);
    Ok(())
}
