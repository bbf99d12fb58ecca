//! A failing request's id is in its response and on its log lines (issue 15): a real
//! `http::serve` server, the real service logger (JSON lines) writing into memory, raw HTTP.
//!
//! Its own test binary because the logger is process-global. `RUST_LOG` must let `info`
//! through (unset, as under `scripts/test`): the access line is logged at `info`.

use std::{
    io::Write,
    net::{IpAddr, Ipv4Addr},
    sync::{Arc, Mutex, PoisonError},
};

use actix_web::{HttpResponse, web};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use weapp_common::{
    health,
    http::{self, ServerOptions},
    logging::{self, LogFormat},
    metrics::Metrics,
};

/// A `Write` into shared memory.
#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// One request over a plain socket; the response's status and `X-Request-Id`.
async fn get(port: u16, path: &str, request_id: Option<&str>) -> (u16, Option<String>) {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let id_header = request_id.map_or(String::new(), |id| format!("X-Request-Id: {id}\r\n"));
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n{id_header}\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut reply = String::new();
    stream
        .read_to_string(&mut reply)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let status = reply.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let id = reply.lines().find_map(|line| {
        line.to_ascii_lowercase()
            .strip_prefix("x-request-id: ")
            .map(str::to_owned)
    });
    (status, id)
}

/// The handler of a failing route: logs the cause, answers 500.
async fn fail() -> HttpResponse {
    log::error!("comment insert failed: connection reset");
    HttpResponse::InternalServerError().finish()
}

#[actix_web::test]
async fn a_failing_request_logs_its_id_on_the_error_line_and_the_access_line() {
    let sink = Sink::default();
    let guard = logging::init_service_to(LogFormat::Json, sink.clone());
    let options = ServerOptions {
        host: IpAddr::V4(Ipv4Addr::LOCALHOST),
        port: 0,
        workers: 1,
        shutdown_timeout_secs: 1,
        json_body_limit: 1024,
        access_log: Some(http::request_log),
        metrics: Metrics::new(),
    };
    let readiness = health::readiness("test", (), |()| async { Ok(()) });
    let (port, server) = http::serve(&options, readiness, |cfg| {
        cfg.route("/fail", web::get().to(fail));
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let handle = server.handle();
    actix_web::rt::spawn(server);

    let (status, from_nginx) = get(port, "/fail", Some("nginx-0123456789abcdef")).await;
    assert_eq!(
        (status, from_nginx.as_deref()),
        (500, Some("nginx-0123456789abcdef"))
    );
    let (status, made) = get(port, "/fail", None).await;
    assert_eq!(status, 500);
    let made = made.unwrap_or_else(|| panic!("no X-Request-Id in the response"));

    // Stopping the server ends every request; dropping the guard writes every queued line.
    handle.stop(true).await;
    drop(guard);
    let text = String::from_utf8(
        sink.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let lines: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    for id in ["nginx-0123456789abcdef", made.as_str()] {
        let of_request: Vec<&Value> = lines
            .iter()
            .filter(|line| line["request_id"] == id)
            .collect();
        let error = of_request
            .iter()
            .find(|line| line["level"] == "ERROR")
            .unwrap_or_else(|| panic!("no error line with request_id {id}: {text}"));
        assert_eq!(error["msg"], "comment insert failed: connection reset");
        let access = of_request
            .iter()
            .find(|line| line["target"] == "actix_web::middleware::logger")
            .unwrap_or_else(|| panic!("no access line with request_id {id}: {text}"));
        let message = access["msg"].as_str().unwrap_or_default();
        assert!(message.contains(r#""GET /fail" 500"#), "{message}");
        assert_eq!(of_request.len(), 2, "{text}");
    }
    assert!(
        lines
            .iter()
            .filter(|line| line.get("request_id").is_none())
            .all(|line| line["level"] != "ERROR"),
        "every error line belongs to a request: {text}"
    );
}
