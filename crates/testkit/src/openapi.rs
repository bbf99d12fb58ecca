//! A service's OpenAPI document (`proto/*.openapi.yaml`), and real replies checked against it.
//!
//! The schema a check uses is the one the document gives for that path, method and status:
//! `paths[path][method].responses[status]` (a local `$ref` followed) →
//! `content["application/json"].schema`, validated with the document's `components` beside it
//! so that its own `$ref`s (`#/components/schemas/...`) resolve.

use std::path::Path;

use serde_json::{Value, json};

/// A loaded OpenAPI document.
#[derive(Debug, Clone)]
pub struct OpenApi {
    document: Value,
}

impl OpenApi {
    /// Read and parse the YAML (or JSON) document at `path`; panics, naming the file, when it
    /// cannot.
    pub fn load(path: impl AsRef<Path>) -> Self {
        let path = path.as_ref().display().to_string();
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let document = serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
        Self { document }
    }

    /// The parsed document.
    pub fn document(&self) -> &Value {
        &self.document
    }

    /// Assert that `body` is what the document promises for `method path` (`"get"`,
    /// `"/applet/album/list"`) with `status`; the panic lists every validation error.
    pub fn assert_conforms(&self, method: &str, path: &str, status: u16, body: &Value) {
        let document = &self.document;
        let operation = document["paths"][path]
            .get(method)
            .unwrap_or_else(|| panic!("{method} {path} is not in the document"));
        let response = operation["responses"]
            .get(status.to_string())
            .unwrap_or_else(|| panic!("{method} {path} has no {status} response ({body})"));
        let schema = &self.resolve(response)["content"]["application/json"]["schema"];
        assert!(
            schema.is_object(),
            "{method} {path} {status} has no JSON schema"
        );
        let mut root = schema.clone();
        root["components"] = document["components"].clone();
        let validator = jsonschema::validator_for(&root)
            .unwrap_or_else(|e| panic!("schema of {method} {path} {status}: {e}"));
        let errors: Vec<String> = validator.iter_errors(body).map(|e| e.to_string()).collect();
        assert!(
            errors.is_empty(),
            "{method} {path} {status}: {body} does not conform: {errors:?}"
        );
    }

    /// Assert that `body` matches the schema `#/components/schemas/{name}` — to tell which
    /// branch of a `oneOf` a reply is.
    pub fn assert_is(&self, name: &str, body: &Value) {
        let root = json!({
            "$ref": format!("#/components/schemas/{name}"),
            "components": self.document["components"],
        });
        let valid = jsonschema::validator_for(&root).map(|validator| validator.is_valid(body));
        assert_eq!(valid.ok(), Some(true), "{body} is not a {name}");
    }

    /// Whether `value` is valid for the parameter `name` of `method path` by the schema the
    /// document gives it (names compared ignoring case, as header names are) — to check that
    /// what a route refuses as malformed, the contract refuses too. Panics when the operation
    /// has no such parameter.
    pub fn parameter_accepts(&self, method: &str, path: &str, name: &str, value: &Value) -> bool {
        let parameters = self.document["paths"][path][method]["parameters"]
            .as_array()
            .unwrap_or_else(|| panic!("{method} {path} has no parameters"));
        let parameter = parameters
            .iter()
            .map(|parameter| self.resolve(parameter))
            .find(|parameter| {
                parameter["name"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
            .unwrap_or_else(|| panic!("{method} {path} has no parameter {name}"));
        let mut root = parameter["schema"].clone();
        root["components"] = self.document["components"].clone();
        let validator = jsonschema::validator_for(&root)
            .unwrap_or_else(|e| panic!("schema of {name} of {method} {path}: {e}"));
        validator.is_valid(value)
    }

    /// Follow a local `$ref` (`#/components/...`) within the document, repeatedly.
    fn resolve<'a>(&'a self, node: &'a Value) -> &'a Value {
        match node.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                let target = self
                    .document
                    .pointer(reference.trim_start_matches('#'))
                    .unwrap_or_else(|| panic!("dangling $ref {reference}"));
                self.resolve(target)
            }
            None => node,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A two-path document: one inline schema, one response behind a `$ref` whose schema
    /// refers to a component.
    const DOCUMENT: &str = r##"
openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /ok:
    get:
      responses:
        "200":
          content:
            application/json:
              schema: {type: object, required: [code], properties: {code: {const: 0}}}
  /item:
    post:
      parameters:
        - {$ref: "#/components/parameters/Code"}
      responses:
        "200": {$ref: "#/components/responses/Item"}
components:
  parameters:
    Code: {name: X-Code, in: header, schema: {type: string, minLength: 1}}
  responses:
    Item:
      description: an item
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Item"}
  schemas:
    Item: {type: object, required: [id], properties: {id: {type: integer}}}
    Failed: {type: object, required: [code], properties: {code: {const: -1}}}
"##;

    fn openapi() -> OpenApi {
        let path = std::env::temp_dir().join(format!(
            "weapp-testkit-{}-{}.yaml",
            std::process::id(),
            crate::random_name(8)
        ));
        std::fs::write(&path, DOCUMENT).unwrap_or_else(|e| panic!("{e}"));
        let openapi = OpenApi::load(&path);
        let _ = std::fs::remove_file(&path);
        openapi
    }

    fn panic_message(check: impl FnOnce() + std::panic::UnwindSafe) -> String {
        let payload = std::panic::catch_unwind(check).err();
        let payload = payload.as_deref();
        payload
            .and_then(|p| p.downcast_ref::<String>().cloned())
            .or_else(|| payload.and_then(|p| p.downcast_ref::<&str>().map(|s| (*s).to_owned())))
            .unwrap_or_default()
    }

    #[test]
    fn conforming_replies_pass_through_refs_and_components() {
        let openapi = openapi();
        assert_eq!(openapi.document()["openapi"], "3.1.0");
        openapi.assert_conforms("get", "/ok", 200, &json!({"code": 0}));
        openapi.assert_conforms("post", "/item", 200, &json!({"id": 7}));
        openapi.assert_is("Item", &json!({"id": 7}));
        openapi.assert_is("Failed", &json!({"code": -1}));
    }

    #[test]
    fn a_reply_off_the_schema_fails_naming_the_operation() {
        let openapi = openapi();
        let message =
            panic_message(|| openapi.assert_conforms("post", "/item", 200, &json!({"id": "x"})));
        assert!(message.contains("post /item 200"), "{message}");
        assert!(message.contains("does not conform"), "{message}");
    }

    #[test]
    fn parameters_are_checked_against_their_schema() {
        let openapi = openapi();
        assert!(openapi.parameter_accepts("post", "/item", "x-code", &json!("a")));
        assert!(!openapi.parameter_accepts("post", "/item", "X-Code", &json!("")));
        let message = panic_message(|| {
            openapi.parameter_accepts("post", "/item", "nope", &json!(""));
        });
        assert!(message.contains("has no parameter nope"), "{message}");
    }

    #[test]
    fn an_undocumented_status_or_path_fails() {
        let openapi = openapi();
        let message = panic_message(|| openapi.assert_conforms("get", "/ok", 500, &json!({})));
        assert!(message.contains("has no 500 response"), "{message}");
        let message = panic_message(|| openapi.assert_conforms("get", "/nope", 200, &json!({})));
        assert!(message.contains("is not in the document"), "{message}");
        let message = panic_message(|| openapi.assert_is("Item", &json!({"code": -1})));
        assert!(message.contains("is not a Item"), "{message}");
    }
}
