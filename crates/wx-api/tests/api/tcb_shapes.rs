//! The Cloud Run storage client against a scripted WeChat (`wiremock`): the documents' own
//! request shapes byte for byte — URLs with their query, JSON bodies, the upload form's fields
//! in order — per-file statuses and COS's refusal as typed errors. The scripted WeChat's
//! helpers here serve `token_shapes` too.

use std::time::Duration;

use wiremock::{
    Mock, MockServer, Request, ResponseTemplate,
    matchers::{body_string, method, path, query_param},
};
use wx_api::{
    CloudRunConfig, CloudStorage, FilePart, FileStatus, Secret, TokenConfig, TokenKeeper,
    TokenMode, WxError,
};

use crate::helpers::client;

pub const APP_ID: &str = "wxshape000000001";
pub const SECRET: &str = "shape-secret-TOPSECRET-0003";
/// The documents' example environment and path.
pub const ENV: &str = "test2-4a89da";
pub const PATH: &str = "this/is/a/example/file.path";
const FILE_ID: &str = "cloud://test2-4a89da.7465-test2-4a89da/A.png";

pub fn wechat(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.as_bytes().to_vec(), "text/plain")
}

pub fn keeper(server: &MockServer, config: &TokenConfig) -> TokenKeeper {
    let wx = client(&server.uri(), APP_ID, SECRET, Duration::from_secs(5));
    TokenKeeper::new(wx, config).expect("a keeper")
}

pub fn storage(server: &MockServer, mode: TokenMode) -> CloudStorage {
    let config = TokenConfig {
        mode,
        cloudbase_access_token: Secret::from("CLOUDBASE_TOKEN"),
        ..TokenConfig::default()
    };
    storage_with(server, &config)
}

/// A storage client of the documents' environment on `server`, with `config`.
pub fn storage_with(server: &MockServer, config: &TokenConfig) -> CloudStorage {
    let cloud = CloudRunConfig {
        env: ENV.to_owned(),
        ..CloudRunConfig::default()
    };
    CloudStorage::new(keeper(server, config), &cloud).expect("a client")
}

pub async fn give_token(server: &MockServer, token: &str, times: u64) {
    Mock::given(method("GET"))
        .and(path("/cgi-bin/token"))
        .respond_with(wechat(&format!(
            r#"{{"access_token":"{token}","expires_in":7200}}"#
        )))
        .up_to_n_times(times)
        .mount(server)
        .await;
}

/// The documents' example answer of `uploadfile`, its `url` moved to `server`.
pub fn ticket_answer(server: &MockServer) -> String {
    format!(
        r#"{{"errcode":0,"errmsg":"ok","url":"{}/7465-test2-4a89da-1258717764/{PATH}","token":"Cukha70zkXIBqkh1OhUIFqjUmXLX","authorization":"q-sign-algorithm=sha1&q-ak=AKID98EDB528&q-sign-time=1557307130;1557308030&q-key-time=1557307130;1557308030&q-header-list=&q-url-param-list=&q-signature=ac95227b","file_id":"cloud://test2-4a89da.7465-test2-4a89da-1258717764/{PATH}","cos_file_id":"HDze32/qZENCwWi5N5akgoXSv3U8=="}}"#,
        server.uri()
    )
}

/// Answer `/tcb/uploadfile` with [`ticket_answer`], `times` times — only for `access_token`
/// when one is given.
pub async fn serve_tickets(server: &MockServer, access_token: Option<&str>, times: u64) {
    let mock = Mock::given(path("/tcb/uploadfile"));
    let mock = match access_token {
        Some(token) => mock.and(query_param("access_token", token)),
        None => mock,
    };
    mock.respond_with(wechat(&ticket_answer(server)))
        .expect(times)
        .mount(server)
        .await;
}

pub async fn requests_to(server: &MockServer, wanted: &str) -> Vec<Request> {
    let requests = server.received_requests().await.expect("recording is on");
    requests
        .into_iter()
        .filter(|request| request.url.path() == wanted)
        .collect()
}

pub fn path_and_query(request: &Request) -> String {
    match request.url.query() {
        Some(query) => format!("{}?{query}", request.url.path()),
        None => request.url.path().to_owned(),
    }
}

#[tokio::test]
async fn uploadfile_is_the_documents_request_byte_for_byte() {
    let server = MockServer::start().await;
    give_token(&server, "ACCESS_TOKEN", 1).await;
    Mock::given(method("POST"))
        .and(path("/tcb/uploadfile"))
        .respond_with(wechat(&ticket_answer(&server)))
        .expect(1)
        .mount(&server)
        .await;
    let ticket = storage(&server, TokenMode::AppSecret)
        .upload_ticket(PATH)
        .await
        .expect("a ticket");
    let [request] = &requests_to(&server, "/tcb/uploadfile").await[..] else {
        panic!("one uploadfile call");
    };
    assert_eq!(
        path_and_query(request),
        "/tcb/uploadfile?access_token=ACCESS_TOKEN"
    );
    assert_eq!(
        String::from_utf8_lossy(&request.body),
        r#"{"env":"test2-4a89da","path":"this/is/a/example/file.path"}"#
    );
    assert_eq!(
        request.headers.get("content-type").map(|v| v.as_bytes()),
        Some(&b"application/json"[..])
    );
    assert_eq!(
        ticket.file_id(),
        format!("cloud://test2-4a89da.7465-test2-4a89da-1258717764/{PATH}")
    );
    let debug = format!("{ticket:?}");
    assert!(
        !debug.contains("Cukha70z") && !debug.contains("ac95227b"),
        "{debug}"
    );
}

#[tokio::test]
async fn the_form_is_the_documents_fields_in_order_with_the_file_last() {
    let server = MockServer::start().await;
    give_token(&server, "ACCESS_TOKEN", 1).await;
    serve_tickets(&server, None, 1).await;
    let cos_path = format!("/7465-test2-4a89da-1258717764/{PATH}");
    Mock::given(method("POST"))
        .and(path(cos_path.as_str()))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let file = FilePart::stream(
        futures_util::stream::iter([
            Ok::<_, std::io::Error>(&b"\xff\xd8\xffjpeg "[..]),
            Ok(&b"bytes"[..]),
        ]),
        13,
    )
    .content_type("image/jpeg");
    storage(&server, TokenMode::AppSecret)
        .upload(PATH, file)
        .await
        .expect("uploaded");

    let [form] = &requests_to(&server, &cos_path).await[..] else {
        panic!("one form");
    };
    let content_type = form
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap_or_else(|| panic!("multipart: {content_type}"));
    let mut expected = Vec::new();
    for (name, value) in [
        ("key", PATH),
        (
            "Signature",
            "q-sign-algorithm=sha1&q-ak=AKID98EDB528&q-sign-time=1557307130;1557308030&q-key-time=1557307130;1557308030&q-header-list=&q-url-param-list=&q-signature=ac95227b",
        ),
        ("x-cos-security-token", "Cukha70zkXIBqkh1OhUIFqjUmXLX"),
        ("x-cos-meta-fileid", "HDze32/qZENCwWi5N5akgoXSv3U8=="),
    ] {
        expected.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    expected.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"file.path\"\r\nContent-Type: image/jpeg\r\n\r\n").as_bytes(),
    );
    expected.extend_from_slice(b"\xff\xd8\xffjpeg bytes");
    expected.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    assert_eq!(
        String::from_utf8_lossy(&form.body),
        String::from_utf8_lossy(&expected)
    );
    assert_eq!(form.body, expected);
}

#[tokio::test]
async fn a_cos_refusal_is_a_typed_error() {
    let server = MockServer::start().await;
    give_token(&server, "ACCESS_TOKEN", 1).await;
    serve_tickets(&server, None, 1).await;
    let xml = "<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n\t<Code>MalformedPOSTRequest</Code>\n\t<Message>The body of your POST request is not well-formed multipart/form-data.</Message>\n\t<Resource>cos.ap-shanghai.myqcloud.com/7465-x/a</Resource>\n</Error>";
    Mock::given(method("POST"))
        .and(path(
            format!("/7465-test2-4a89da-1258717764/{PATH}").as_str(),
        ))
        .respond_with(ResponseTemplate::new(400).set_body_raw(xml, "application/xml"))
        .mount(&server)
        .await;
    let error = storage(&server, TokenMode::AppSecret)
        .upload(PATH, FilePart::bytes(&b"x"[..]))
        .await
        .expect_err("refused");
    match error {
        WxError::Cos {
            status,
            code,
            message,
        } => {
            assert_eq!((status, code.as_str()), (400, "MalformedPOSTRequest"));
            assert_eq!(
                message,
                "The body of your POST request is not well-formed multipart/form-data."
            );
        }
        other => panic!("expected Cos, got {other:?}"),
    }
}

#[tokio::test]
async fn batchdownloadfile_is_the_documents_request_and_statuses_are_typed() {
    let server = MockServer::start().await;
    give_token(&server, "ACCESS_TOKEN", 1).await;
    let gone = "cloud://test2-4a89da.7465-test2-4a89da/gone.png";
    let locked = "cloud://test2-4a89da.7465-test2-4a89da/locked.png";
    Mock::given(method("POST"))
        .and(path("/tcb/batchdownloadfile"))
        .and(query_param("access_token", "ACCESS_TOKEN"))
        .respond_with(wechat(&format!(
            r#"{{"errcode":0,"errmsg":"ok","file_list":[{{"fileid":"{locked}","download_url":"","status":-503002,"errmsg":"STORAGE_EXCEED_AUTHORITY"}},{{"fileid":"{FILE_ID}","download_url":"https://7465-test2-4a89da-1258717764.tcb.qcloud.la/A.png?sign=s&t=1","status":0,"errmsg":"ok"}},{{"fileid":"{gone}","download_url":"","status":1,"errmsg":"STORAGE_FILE_NONEXIST"}}]}}"#
        )))
        .expect(1)
        .mount(&server)
        .await;
    let hour = Duration::from_secs(7200);
    let downloads = storage(&server, TokenMode::AppSecret)
        .download_urls(&[
            (FILE_ID, hour),
            (gone, hour),
            (locked, Duration::from_secs(60)),
        ])
        .await
        .expect("an answer");
    let [request] = &requests_to(&server, "/tcb/batchdownloadfile").await[..] else {
        panic!("one call");
    };
    assert_eq!(
        String::from_utf8_lossy(&request.body),
        format!(
            r#"{{"env":"test2-4a89da","file_list":[{{"fileid":"{FILE_ID}","max_age":7200}},{{"fileid":"{gone}","max_age":7200}},{{"fileid":"{locked}","max_age":60}}]}}"#
        )
    );
    let statuses: Vec<_> = downloads
        .iter()
        .map(|d| (d.file_id.as_str(), d.status.clone()))
        .collect();
    assert_eq!(
        statuses,
        [
            (FILE_ID, FileStatus::Ok),
            (gone, FileStatus::NotFound),
            (
                locked,
                FileStatus::Failed {
                    status: -503002,
                    errmsg: "STORAGE_EXCEED_AUTHORITY".to_owned()
                }
            ),
        ]
    );
    assert_eq!(
        downloads[0].download_url.as_deref(),
        Some("https://7465-test2-4a89da-1258717764.tcb.qcloud.la/A.png?sign=s&t=1")
    );
    assert_eq!(downloads[1].download_url, None);
}

#[tokio::test]
async fn batchdeletefile_is_the_documents_request() {
    let server = MockServer::start().await;
    give_token(&server, "ACCESS_TOKEN", 1).await;
    Mock::given(method("POST"))
        .and(path("/tcb/batchdeletefile"))
        .and(body_string(format!(
            r#"{{"env":"test2-4a89da","fileid_list":["{FILE_ID}"]}}"#
        )))
        .respond_with(wechat(&format!(
            r#"{{"errcode":0,"errmsg":"ok","delete_list":[{{"fileid":"{FILE_ID}","status":0,"errmsg":"ok"}}]}}"#
        )))
        .expect(1)
        .mount(&server)
        .await;
    let deleted = storage(&server, TokenMode::AppSecret)
        .delete_files(&[FILE_ID])
        .await
        .expect("deleted");
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0].status, FileStatus::Ok);
}

#[tokio::test]
async fn more_than_fifty_files_go_out_in_batches_of_fifty() {
    let server = MockServer::start().await;
    give_token(&server, "ACCESS_TOKEN", 1).await;
    Mock::given(path("/tcb/batchdeletefile"))
        .respond_with(|request: &Request| {
            let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap_or_default();
            let listed: Vec<_> = body["fileid_list"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|id| serde_json::json!({"fileid": id, "status": 0, "errmsg": "ok"}))
                .collect();
            wechat(
                &serde_json::json!({"errcode": 0, "errmsg": "ok", "delete_list": listed})
                    .to_string(),
            )
        })
        .expect(2)
        .mount(&server)
        .await;
    let ids: Vec<String> = (0..51)
        .map(|n| format!("cloud://{ENV}.b/{n}.png"))
        .collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let deleted = storage(&server, TokenMode::AppSecret)
        .delete_files(&ids)
        .await
        .expect("deleted");
    assert_eq!(deleted.len(), 51);
    let sizes: Vec<usize> = requests_to(&server, "/tcb/batchdeletefile")
        .await
        .iter()
        .map(|r| {
            let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap_or_default();
            body["fileid_list"].as_array().map_or(0, Vec::len)
        })
        .collect();
    assert_eq!(sizes, [50, 1]);
}

#[tokio::test]
async fn bad_arguments_are_refused_before_any_call() {
    let server = MockServer::start().await;
    let storage = storage(&server, TokenMode::OpenApi);
    for path in ["", "/leading/slash.png"] {
        assert!(
            matches!(storage.upload_ticket(path).await, Err(WxError::Invalid(_))),
            "{path:?}"
        );
    }
    assert!(matches!(
        storage.delete_files(&["https://example.com/a.png"]).await,
        Err(WxError::Invalid(_))
    ));
    assert!(
        server
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );
}
