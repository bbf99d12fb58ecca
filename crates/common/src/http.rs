//! The actix-web server of the HTTP services (album, session, video): what each of them binds,
//! mounts and logs the same way.
//!
//! [`serve`] binds `host:port` (port 0 picks a free port, for tests) and builds an
//! `HttpServer` whose app
//!
//! 1. answers extractor failures (JSON, form, query string, path) with the 400 envelope and
//!    limits JSON and form bodies ([`extractor_error_handlers`]);
//! 2. serves `/healthz` and `/readyz` ([`health::configure`]) and `/metrics`
//!    ([`metrics::configure`]: requests by route template, backends by `readiness`);
//! 3. mounts the service's own data and routes (its `configure`);
//! 4. answers every other path with the 404 envelope ([`not_found`]);
//! 5. logs each request ([`request_log`], or the service's own format);
//! 6. counts each request ([`metrics::track`]);
//! 7. gives each request its id ([`request_id::middleware`]: `X-Request-Id` from nginx, or a
//!    fresh one), returned in the response and carried by every log line of the request;
//!
//! with the configured worker count and graceful-shutdown timeout. actix-web stops the server on
//! SIGTERM/SIGINT by itself, letting in-flight requests finish within that timeout.

use std::{
    net::{IpAddr, TcpListener},
    sync::Arc,
};

use actix_web::{
    App, HttpServer,
    dev::Server,
    middleware::{self, from_fn},
    web,
};

use crate::{
    envelope::{bad_request, extractor_error_handlers, not_found},
    health::{self, Readiness},
    metrics::{self, Metrics},
    request_id,
};

/// Access log without query strings or headers: `%a "METHOD /path" status bytes time`.
///
/// Query strings and headers carry credentials: the signatures of direct-upload URLs (album),
/// login codes and skeys (session), the app secret (wx-sim).
pub fn request_log() -> middleware::Logger {
    middleware::Logger::new(r#"%a "%{method}xi %U" %s %b %Dms"#)
        .custom_request_replace("method", |req| req.method().to_string())
}

/// How a service's HTTP server listens, from its settings.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Address to bind.
    pub host: IpAddr,
    /// TCP port; `0` picks a free one (tests).
    pub port: u16,
    /// Worker threads; `0` keeps actix's default, one per core.
    pub workers: usize,
    /// Seconds to let in-flight requests finish after SIGTERM/SIGINT.
    pub shutdown_timeout_secs: u64,
    /// Largest JSON or form request body in bytes.
    pub json_body_limit: usize,
    /// The access-log middleware, made once per worker: [`request_log`] or the service's own;
    /// `None` logs no requests (the services' `access_log = false`: nginx in front already
    /// logs each one, and the line cost about a fifth of the CPU of the cheapest routes).
    pub access_log: Option<fn() -> middleware::Logger>,
    /// The registry `/metrics` serves: the HTTP and backend metrics are added by [`serve`]; a
    /// service registers its own in it before serving.
    pub metrics: Metrics,
}

/// Why a service's HTTP server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The address could not be bound (in use, not local, not permitted).
    #[error("binding {host}:{port}")]
    Bind {
        /// The configured address.
        host: IpAddr,
        /// The configured port.
        port: u16,
        /// Why the operating system refused.
        #[source]
        source: std::io::Error,
    },
    /// The bound listener could not be read or handed to actix.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Bind `options.host:options.port` and build the server (see the module documentation);
/// `configure` adds the service's app data and routes, once per worker.
///
/// Returns the bound port and the [`Server`], which serves when awaited or spawned.
///
/// # Errors
/// [`ServeError::Bind`] when the address cannot be bound, [`ServeError::Io`] when actix cannot
/// take the listener over.
pub fn serve<F>(
    options: &ServerOptions,
    readiness: Arc<dyn Readiness>,
    configure: F,
) -> Result<(u16, Server), ServeError>
where
    F: Fn(&mut web::ServiceConfig) + Send + Clone + 'static,
{
    let (host, port) = (options.host, options.port);
    let listener = TcpListener::bind((host, port)).map_err(|source| ServeError::Bind {
        host,
        port,
        source,
    })?;
    let port = listener.local_addr()?.port();
    let (json_body_limit, access_log) = (options.json_body_limit, options.access_log);
    let metrics = options.metrics.clone();
    let mut server = HttpServer::new(move || {
        App::new()
            .configure(|cfg| extractor_error_handlers(cfg, json_body_limit, bad_request))
            .configure(|cfg| health::configure(cfg, Arc::clone(&readiness)))
            .configure(|cfg| metrics::configure(cfg, metrics.clone(), Arc::clone(&readiness)))
            .configure(&configure)
            .default_service(web::to(not_found))
            .wrap(middleware::Condition::new(
                access_log.is_some(),
                access_log.unwrap_or(request_log)(),
            ))
            .wrap(from_fn(metrics::track))
            .wrap(from_fn(request_id::middleware))
    })
    .listen(listener)?
    .shutdown_timeout(options.shutdown_timeout_secs);
    if options.workers > 0 {
        server = server.workers(options.workers);
    }
    Ok((port, server.run()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::ProbeFuture;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    struct Ready;

    impl Readiness for Ready {
        fn backend(&self) -> &'static str {
            "test"
        }
        fn probe(&self) -> ProbeFuture {
            Box::pin(async { Ok(()) })
        }
    }

    fn options(port: u16) -> ServerOptions {
        ServerOptions {
            host: IpAddr::from([127, 0, 0, 1]),
            port,
            workers: 1,
            shutdown_timeout_secs: 1,
            json_body_limit: 16,
            access_log: Some(request_log),
            metrics: Metrics::new(),
        }
    }

    /// One HTTP/1.1 request over a plain socket: the status and the body.
    async fn request(port: u16, head: &str, body: &str) -> (u16, String) {
        let (status, _, body) = exchange(port, head, "", body).await;
        (status, body)
    }

    /// One HTTP/1.1 request with `headers` (`Name: value\r\n` lines): the status, the
    /// response's header block and its body.
    async fn exchange(port: u16, head: &str, headers: &str, body: &str) -> (u16, String, String) {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let request = format!(
            "{head} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n{headers}\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
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
        let (head, body) = reply.split_once("\r\n\r\n").unwrap_or((&reply, ""));
        (status, head.to_ascii_lowercase(), body.to_owned())
    }

    /// The value of response header `name` (lowercase) in a header block from [`exchange`].
    fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
        head.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(": "))
    }

    #[actix_web::test]
    async fn serves_health_the_service_its_limits_and_the_404_envelope() {
        let configure = |cfg: &mut web::ServiceConfig| {
            cfg.app_data(web::Data::new(7_u32))
                .route(
                    "/answer",
                    web::get().to(|n: web::Data<u32>| async move { n.to_string() }),
                )
                .route(
                    "/echo",
                    web::post()
                        .to(|body: web::Json<serde_json::Value>| async move { body.to_string() }),
                );
        };
        let (port, server) =
            serve(&options(0), Arc::new(Ready), configure).unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(port, 0);
        let handle = server.handle();
        actix_web::rt::spawn(server);

        let ok = r#"{"code":0,"msg":"ok","data":{}}"#;
        assert_eq!(request(port, "GET /healthz", "").await, (200, ok.into()));
        assert_eq!(request(port, "GET /readyz", "").await, (200, ok.into()));
        assert_eq!(request(port, "GET /answer", "").await, (200, "7".into()));
        assert_eq!(
            request(port, "POST /echo", "[1]").await,
            (200, "[1]".into())
        );
        let (status, body) = request(port, "POST /echo", "[1,2,3,4,5,6,7,8,9]").await;
        assert_eq!(status, 400, "over json_body_limit: {body}");
        assert!(
            body.starts_with(r#"{"code":-1,"msg":"bad request: "#),
            "{body}"
        );
        assert_eq!(
            request(port, "GET /nope", "").await,
            (404, r#"{"code":-1,"msg":"not found","data":{}}"#.into())
        );
        handle.stop(true).await;
    }

    #[actix_web::test]
    async fn metrics_count_each_request_by_route_template_method_and_status() {
        let configure = |cfg: &mut web::ServiceConfig| {
            cfg.route(
                "/items/{id}",
                web::get().to(|id: web::Path<u32>| async move { id.to_string() }),
            );
        };
        let (port, server) =
            serve(&options(0), Arc::new(Ready), configure).unwrap_or_else(|e| panic!("{e}"));
        let handle = server.handle();
        actix_web::rt::spawn(server);
        for path in ["/items/1", "/items/2", "/items/x", "/no/such/path"] {
            request(port, &format!("GET {path}"), "").await;
        }
        request(port, "DELETE /items/1", "").await;

        let (status, head, text) = exchange(port, "GET /metrics", "", "").await;
        assert_eq!(status, 200);
        assert_eq!(
            header(&head, "content-type"),
            Some("text/plain; version=0.0.4; charset=utf-8")
        );
        let counts: Vec<&str> = text
            .lines()
            .filter(|line| line.starts_with("weapp_http_requests_total{"))
            .collect();
        assert_eq!(
            counts,
            [
                r#"weapp_http_requests_total{method="DELETE",route="/items/{id}",status="404"} 1"#,
                r#"weapp_http_requests_total{method="GET",route="/items/{id}",status="200"} 2"#,
                r#"weapp_http_requests_total{method="GET",route="/items/{id}",status="400"} 1"#,
                r#"weapp_http_requests_total{method="GET",route="unmatched",status="404"} 1"#,
            ],
            "{text}"
        );
        assert!(
            text.contains(
                r#"weapp_http_request_duration_seconds_count{method="GET",route="/items/{id}"} 3"#
            ),
            "{text}"
        );
        assert!(
            text.contains("weapp_backend_up{backend=\"test\"} 1"),
            "{text}"
        );
        // The scrape itself is counted once it is answered.
        let (_, _, again) = exchange(port, "GET /metrics", "", "").await;
        assert!(
            again.contains(
                r#"weapp_http_requests_total{method="GET",route="/metrics",status="200"} 1"#
            ),
            "{again}"
        );
        handle.stop(true).await;
    }

    #[actix_web::test]
    async fn a_request_id_from_nginx_is_returned_and_a_missing_or_bad_one_is_made() {
        let (port, server) =
            serve(&options(0), Arc::new(Ready), |_| {}).unwrap_or_else(|e| panic!("{e}"));
        let handle = server.handle();
        actix_web::rt::spawn(server);
        let nginx = "0123456789abcdef0123456789abcdef";
        let (status, head, _) =
            exchange(port, "GET /nope", &format!("X-Request-Id: {nginx}\r\n"), "").await;
        assert_eq!(status, 404);
        assert_eq!(header(&head, "x-request-id"), Some(nginx));
        let mut made = Vec::new();
        for headers in ["", "X-Request-Id: has space\r\n", "X-Request-Id: \r\n"] {
            let (_, head, _) = exchange(port, "GET /healthz", headers, "").await;
            let id = header(&head, "x-request-id").map(str::to_owned);
            let id = id.unwrap_or_else(|| panic!("no id for {headers:?}: {head}"));
            assert_eq!(id.len(), 32, "{id}");
            assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
            made.push(id);
        }
        made.dedup();
        assert_eq!(made.len(), 3, "each request gets its own id");
        handle.stop(true).await;
    }

    #[actix_web::test]
    async fn serves_without_an_access_log() {
        let options = ServerOptions {
            access_log: None,
            ..options(0)
        };
        let (port, server) =
            serve(&options, Arc::new(Ready), |_| {}).unwrap_or_else(|e| panic!("{e}"));
        let handle = server.handle();
        actix_web::rt::spawn(server);
        let ok = r#"{"code":0,"msg":"ok","data":{}}"#;
        assert_eq!(request(port, "GET /healthz", "").await, (200, ok.into()));
        handle.stop(true).await;
    }

    #[actix_web::test]
    async fn an_address_in_use_is_named() {
        let taken = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
        let port = taken.local_addr().map(|a| a.port()).unwrap_or_default();
        let error = serve(&options(port), Arc::new(Ready), |_| {})
            .err()
            .unwrap_or_else(|| panic!("{port} is taken"));
        assert!(matches!(error, ServeError::Bind { .. }), "{error:?}");
        assert_eq!(error.to_string(), format!("binding 127.0.0.1:{port}"));
    }
}
