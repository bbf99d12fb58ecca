//! Real responses validated against the published contract, `proto/session.openapi.yaml`: the
//! schema a test uses is the one the document gives for that path, method and status.

use serde_json::{Value, json};
use weapp_testkit::OpenApi;

use crate::helpers::{TestApp, call, random_name, spawn_app};

fn document() -> OpenApi {
    OpenApi::load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../proto/session.openapi.yaml"
    ))
}

struct Checker<'a> {
    app: &'a TestApp,
    document: OpenApi,
}

impl Checker<'_> {
    async fn check(&self, method: &str, path: &str, request: reqwest::RequestBuilder) -> Value {
        let (status, body) = call(request).await;
        self.document.assert_conforms(method, path, status, &body);
        body
    }

    async fn get(&self, path: &str, headers: &[(&str, &str)]) -> Value {
        let mut request = self.app.http.get(self.app.url(path));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.check("get", path, request).await
    }

    async fn post(&self, path: &str, headers: &[(&str, &str)], body: Value) -> Value {
        let mut request = self.app.http.post(self.app.url(path)).json(&body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.check("post", path, request).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_session_reply_conforms_to_the_contract() {
    let app = spawn_app().await;
    let c = Checker {
        app: &app,
        document: document(),
    };
    let (list, save, delete) = (
        "/applet/session/paints/list",
        "/applet/session/paints/save",
        "/applet/session/paints/delete",
    );

    // weapp-session: anonymous, first request, cached, failures.
    c.get(list, &[]).await;
    let login = app.wx_login("xena", "Xena").await;
    let (_, body) = call(login.headers(app.http.get(app.url(list)))).await;
    c.document.assert_conforms("get", list, 200, &body);
    let code = [("X-WX-Code", login.code.as_str())];
    c.post(save, &code, json!({"id":"o1","actions":"[]"})).await;
    c.post(save, &code, json!({"id":"o2"})).await;
    c.post(
        save,
        &code,
        json!({"id":"o3","actions":"x".repeat(app.settings.paints.max_actions_bytes + 1)}),
    )
    .await;
    c.get(list, &code).await;
    c.post(delete, &code, json!({"id":"o1"})).await;
    c.post(delete, &code, json!({})).await;
    c.get(list, &[("X-WX-Code", "expired-code")]).await;
    c.get(
        list,
        &[("X-WX-Code", "yan-1"), ("X-WX-RawData", "%E0%A4%A")],
    )
    .await;
    c.get(
        list,
        &[
            ("X-WX-Code", "yan-2"),
            ("X-WX-RawData", "%7B%7D"),
            ("X-WX-Signature", "0"),
        ],
    )
    .await;
    c.get(
        list,
        &[("X-WX-Code", "invalid-1"), ("X-WX-RawData", "%7B%7D")],
    )
    .await;
    c.get("/applet/session/user", &code).await;

    // Modern login.
    let fresh = format!("zoe-{}", random_name(12));
    let (encrypted, iv) = app
        .sim_encrypt(&fresh, json!({"nickName": "Zoe"}), None)
        .await;
    let logged_in = c
        .get(
            "/applet/session/login",
            &[
                ("X-WX-Code", &fresh),
                ("X-WX-Encrypted-Data", &encrypted),
                ("X-WX-IV", &iv),
            ],
        )
        .await;
    let skey = logged_in["data"]["skey"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let with_skey = [("X-WX-Skey", skey.as_str())];
    c.get("/applet/session/user", &with_skey).await;
    c.get(list, &with_skey).await;
    c.post("/applet/session/logout", &with_skey, json!({}))
        .await;
    c.get("/applet/session/user", &with_skey).await;
    c.get("/applet/session/user", &[]).await;
    c.get("/applet/session/login", &[]).await;
    c.get("/applet/session/login", &[("X-WX-Code", &fresh)])
        .await;
    let other = format!("zoe-{}", random_name(12));
    c.get(
        "/applet/session/login",
        &[
            ("X-WX-Code", &other),
            ("X-WX-Encrypted-Data", &encrypted),
            ("X-WX-IV", &iv),
        ],
    )
    .await;

    // Ops and routing.
    for path in ["/healthz", "/readyz"] {
        c.get(path, &[]).await;
    }
    let (status, body) = call(app.http.put(app.url(list))).await;
    c.document.assert_conforms("get", list, status, &body);
}

/// Every `X-WX-Code` the login route refuses as malformed (400), the contract's schema refuses
/// too, and a code the schema accepts is not refused as malformed: a client that follows the
/// contract never gets a 400 (issue 13 item 7).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_login_refuses_exactly_the_codes_the_contract_refuses() {
    let app = spawn_app().await;
    let document = document();
    let login = "/applet/session/login";
    let too_long = "c".repeat(129);
    for (code, reason) in [
        ("", "ERR_HEADER_MISSED"),
        ("two words", "ERR_HEADER_INVALID"),
        (too_long.as_str(), "ERR_HEADER_INVALID"),
    ] {
        let (status, body) = call(app.http.get(app.url(login)).header("X-WX-Code", code)).await;
        document.assert_conforms("get", login, status, &body);
        assert_eq!((status, &body["error"]["reason"]), (400, &json!(reason)));
        assert!(
            !document.parameter_accepts("get", login, "X-WX-Code", &json!(code)),
            "the contract allows {code:?}, which the route refuses"
        );
    }
    let code = format!("ada-{}", random_name(12));
    assert!(document.parameter_accepts("get", login, "X-WX-Code", &json!(code)));
    let (status, body) = call(app.http.get(app.url(login)).header("X-WX-Code", &code)).await;
    assert_eq!((status, &body["code"]), (200, &json!(0)), "{body}");
}
