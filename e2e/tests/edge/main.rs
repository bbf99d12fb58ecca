//! nginx at the edge (README.md, "nginx at the edge"): its own probes in the contracts' shape,
//! `X-Content-Type-Options: nosniff` on every kind of answer, JSON bodies in each service's
//! envelope for the errors nginx itself produces, per-client rate and connection limits, and
//! the cut of clients that stall — all through the stack's nginx (`WEAPP_BASE_URL`,
//! `WEAPP_TLS_BASE_URL`), with the limits read from the configuration it runs
//! (`WEAPP_NGINX_CONF`).
//!
//! Tests that exhaust a per-client limit come from a loopback address of their own
//! ([`stack::own_address`]), so the other suites, all from 127.0.0.1, never meet the limit.

mod stack;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use weapp_testkit::{OpenApi, read, workspace_root};

use stack::*;

/// A 10 MB body: larger than every `client_max_body_size` of the configuration.
const TEN_MB: usize = 10 * 1000 * 1000;

/// What a single request takes at most on the loopback stack, as an upper bound to wait on.
const ANSWER_BOUND: Duration = Duration::from_secs(10);

/// A reply as these tests compare it.
struct Answer {
    status: u16,
    content_type: String,
    body: Value,
    /// `X-Content-Type-Options: nosniff` is present.
    nosniff: bool,
}

async fn send(request: reqwest::RequestBuilder) -> Answer {
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("is the stack up (scripts/up)? {e}"));
    let nosniff = response
        .headers()
        .get("x-content-type-options")
        .is_some_and(|value| value == "nosniff");
    let (status, content_type, body) = read(response).await;
    Answer {
        status,
        content_type,
        body,
        nosniff,
    }
}

fn contract(name: &str) -> OpenApi {
    OpenApi::load(workspace_root().join("proto").join(name))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_edge_probes_answer_in_the_contracts_health_shape() {
    let contracts = [
        "album.openapi.yaml",
        "session.openapi.yaml",
        "video.openapi.yaml",
    ]
    .map(contract);
    let http = http_from(None);
    for base in [base(), tls_base()] {
        for probe in ["/healthz", "/readyz"] {
            let Answer {
                status,
                content_type,
                body,
                nosniff,
            } = send(http.get(format!("{base}{probe}"))).await;
            assert_eq!(
                (status, content_type.as_str()),
                (200, JSON),
                "{base}{probe}"
            );
            assert_eq!(body, json!({"code":0,"msg":"ok","data":{}}));
            assert!(nosniff, "{base}{probe}");
            for document in &contracts {
                document.assert_conforms("get", probe, 200, &body);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_applet_path_no_service_owns_gets_the_not_found_envelope() {
    let http = http_from(None);
    for path in ["/applet/nothing", "/applet/", "/applet/nothing/photo.jpg"] {
        let Answer {
            status,
            content_type,
            body,
            nosniff,
        } = send(http.get(format!("{}{path}", base()))).await;
        assert_eq!((status, content_type.as_str()), (404, JSON), "{path}");
        assert_eq!(
            body,
            json!({"code":-1,"msg":"not found","data":{}}),
            "{path}"
        );
        assert!(nosniff, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nosniff_is_on_envelopes_images_and_the_web_client_over_http_and_tls() {
    let http = http_from(None);
    for base in [base(), tls_base()] {
        for path in [
            "/applet/album/list",
            "/applet/album/files/nothing.jpg",
            "/applet/video/list?pageNo=1",
            "/applet/session/paints/list",
            "/applet/websocket/stats",
            "/",
            "/app.css",
            "/img/icon.svg",
            "/img/avatars/alice.svg",
            "/no-such-page.html",
        ] {
            let response = http
                .get(format!("{base}{path}"))
                .send()
                .await
                .unwrap_or_else(|e| panic!("is the stack up (scripts/up)? {e}"));
            let headers = response.headers();
            let values: Vec<_> = headers.get_all("x-content-type-options").iter().collect();
            assert_eq!(values, ["nosniff"], "{base}{path}: exactly one nosniff");
            let hsts = headers.contains_key("strict-transport-security");
            assert_eq!(
                hsts,
                base.starts_with("https:"),
                "{base}{path}: HSTS on TLS only"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_10_mb_body_gets_a_json_413_in_each_services_envelope() {
    let http = http_from(own_address());
    let base = base();
    let form = reqwest::multipart::Form::new().part(
        "image",
        reqwest::multipart::Part::bytes(vec![0xff; TEN_MB]).file_name("big.jpg"),
    );
    let envelope = json!({"code":-1,"msg":"request body too large","data":{}});
    let cases = [
        (
            http.post(format!("{base}/applet/album/upload"))
                .multipart(form),
            envelope.clone(),
        ),
        (
            http.post(format!(
                "{base}/applet/album/v4/files/v2/1250000000/album/big.jpg"
            ))
            .body(vec![0_u8; TEN_MB]),
            json!({"code":-1,"message":"request body too large"}),
        ),
        (
            http.post(format!("{base}/applet/session/paints/save"))
                .header("content-type", "application/json")
                .body(vec![b' '; TEN_MB]),
            json!({"code":-1,"msg":"fail","error":{"reason":"ERR_REQUEST_TOO_LARGE","message":"request body too large"}}),
        ),
        (
            http.post(format!("{base}/applet/video/comment"))
                .header("content-type", "application/json")
                .body(vec![b' '; TEN_MB]),
            envelope,
        ),
    ];
    for (request, expected) in cases {
        let Answer {
            status,
            content_type,
            body,
            nosniff,
        } = send(request).await;
        assert_eq!((status, content_type.as_str()), (413, JSON), "{body}");
        assert_eq!(body, expected);
        assert!(nosniff);
    }
}

/// Sends `GET path` with `headers` from `client` until nginx refuses one; asserts that more
/// than `burst` passed first and that the refusal is a JSON 429 with nosniff, and returns its
/// body. Gives up (panics) after `burst` + 5 passed.
async fn refusal_after_burst(
    client: &reqwest::Client,
    path: &str,
    headers: &[(&str, &str)],
    burst: u32,
) -> Value {
    for passed in 0..burst + 5 {
        let mut request = client.get(format!("{}{path}", base()));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let answer = send(request).await;
        if answer.status == 429 {
            assert!(
                passed > burst,
                "{path}: only {passed} passed; burst {burst}"
            );
            assert_eq!(answer.content_type, JSON);
            assert!(answer.nosniff);
            return answer.body;
        }
    }
    panic!("{path}: no request refused after {} of them", burst + 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logins_beyond_the_burst_get_a_json_429_in_sessions_envelope() {
    let burst = burst("conf.d/partials/session.conf", "weapp_login");
    let client = http_from(own_address());
    // No X-WX-Code: session answers ERR_HEADER_MISSED without asking WeChat; the limit counts
    // the request all the same.
    let body = refusal_after_burst(&client, "/applet/session/login", &[], burst).await;
    assert_eq!(
        body,
        json!({"code":-1,"msg":"fail","error":{"reason":"ERR_TOO_MANY_REQUESTS","message":"too many requests, retry later"}})
    );
    contract("session.openapi.yaml").assert_is("Fail", &body);

    // Per client: another address logs in as before.
    let Answer { status, body, .. } =
        send(http_from(own_address()).get(format!("{}/applet/session/login", base()))).await;
    assert_eq!(
        (status, &body["error"]["reason"]),
        (400, &json!("ERR_HEADER_MISSED"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weapp_session_first_requests_are_limited_and_later_requests_are_not() {
    let burst = burst("conf.d/partials/session.conf", "weapp_wx_login");
    let client = http_from(own_address());
    // wx-sim refuses codes that start with "invalid" at once (ERR_SESSION_KEY_EXCHANGE_FAILED).
    let first_request = [
        ("X-WX-Code", "invalid-edge-test"),
        ("X-WX-RawData", "%7B%22nickName%22%3A%22edge%22%7D"),
        ("X-WX-Signature", "0000000000000000000000000000000000000000"),
    ];
    let path = "/applet/session/paints/list";
    let body = refusal_after_burst(&client, path, &first_request, burst).await;
    assert_eq!(body["error"]["reason"], "ERR_TOO_MANY_REQUESTS");

    // The same client's requests with the code only (a Redis lookup) still reach session.
    for _ in 0..=burst {
        let Answer { status, body, .. } = send(
            client
                .get(format!("{}{path}", base()))
                .header("X-WX-Code", "edge-test-unknown-code"),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["reason"], "ERR_SESSION_EXPIRED", "{body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_holding_too_many_uploads_at_once_gets_a_json_429() {
    let limit = connection_limit("conf.d/partials/album.conf", "weapp_upload_conn");
    let address = own_address();
    let head = "POST /applet/album/upload HTTP/1.1\r\nHost: edge-test\r\n\
                Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 1000\r\n\
                Expect: 100-continue\r\n\r\n";
    // nginx answers 100 Continue once it reads the body, past the connection limit's check:
    // each of these uploads is counted when its 100 arrives.
    let mut held = Vec::new();
    for _ in 0..limit {
        let mut stream = connect_from(address).await;
        stream.write_all(head.as_bytes()).await.unwrap_or_default();
        let answer = response_head(&mut stream, ANSWER_BOUND).await;
        assert!(answer.starts_with("HTTP/1.1 100 "), "{answer}");
        held.push(stream);
    }
    let over = http_from(address)
        .post(format!("{}/applet/album/upload", base()))
        .header("content-type", "multipart/form-data; boundary=x")
        .body("--x--\r\n");
    let Answer {
        status,
        content_type,
        body,
        nosniff,
    } = send(over).await;
    assert_eq!((status, content_type.as_str()), (429, JSON));
    assert_eq!(
        body,
        json!({"code":-1,"msg":"too many requests, retry later","data":{}})
    );
    assert!(nosniff);

    // Another client's upload is not refused (the album answers: not an image).
    let Answer { status, body, .. } = send(
        http_from(own_address())
            .post(format!("{}/applet/album/upload", base()))
            .header("content-type", "multipart/form-data; boundary=x")
            .body("--x--\r\n"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    drop(held);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_stalls_longer_than_client_body_timeout_is_cut() {
    let timeout = seconds("client_body_timeout");
    let mut stream = connect_from(own_address()).await;
    let head = "POST /applet/album/upload HTTP/1.1\r\nHost: edge-test\r\n\
                Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 1000\r\n\r\n-";
    stream.write_all(head.as_bytes()).await.unwrap_or_default();
    let since = Instant::now();
    let ended = ended(&mut stream, since, timeout * 3 + ANSWER_BOUND).await;
    assert!(
        ended.after >= timeout.mul_f32(0.9),
        "cut after {:?}, before client_body_timeout {timeout:?}",
        ended.after
    );
    assert!(
        ended.received.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&ended.received)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_head_that_never_ends_is_cut_after_client_header_timeout() {
    let timeout = seconds("client_header_timeout");
    let since = Instant::now();
    let mut stream = connect_from(own_address()).await;
    let head = "POST /applet/album/upload HTTP/1.1\r\nHost: edge-test\r\n";
    stream.write_all(head.as_bytes()).await.unwrap_or_default();
    let ended = ended(&mut stream, since, timeout * 3 + ANSWER_BOUND).await;
    assert!(
        ended.after >= timeout.mul_f32(0.9),
        "cut after {:?}, before client_header_timeout {timeout:?}",
        ended.after
    );
    assert!(ended.received.is_empty());
}
