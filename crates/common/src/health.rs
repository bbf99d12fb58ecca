//! `/healthz` (the process answers) and `/readyz` (its backend answers) for every service.
//!
//! Both reply in the envelope: `{"code":0,"msg":"ok","data":{}}`; a failed readiness check is
//! HTTP 503 `{"code":-1,"msg":"<backend> unavailable","data":{}}` and its cause goes to the log,
//! never to the client.
//!
//! The same [`Readiness`] tells `/metrics` about each backend ([`Readiness::checks`]): whether
//! it answers and, for a pool, how many connections it holds ([`PoolStats`]).

use std::{future::Future, pin::Pin, sync::Arc};

use actix_web::{HttpResponse, http::StatusCode, web};

use crate::envelope::{Empty, Envelope};

/// A boxed readiness probe result.
pub type ProbeFuture = Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;

/// What `/readyz` checks: the service's backend, by a cheap real request.
pub trait Readiness: Send + Sync + 'static {
    /// The backend's name for the failure message (`storage`, `redis`, `mysql`…).
    fn backend(&self) -> &'static str;
    /// Ask the backend; `Err` carries the cause for the log.
    fn probe(&self) -> ProbeFuture;
    /// Each backend as `/metrics` reports it (`weapp_backend_up`, the pool gauges). By default
    /// one backend, [`Readiness::backend`], asked like `/readyz`, without pool figures; a
    /// service with several backends or a pool says more.
    fn checks(&self) -> Vec<BackendCheck> {
        vec![BackendCheck {
            backend: self.backend(),
            probe: self.probe(),
            pool: None,
        }]
    }
}

/// One backend as `/metrics` reports it.
pub struct BackendCheck {
    /// The `backend` label: `redis`, `mongodb`, `mysql`, `storage`.
    pub backend: &'static str,
    /// Asks the backend (a cheap real request); `Ok` is up.
    pub probe: ProbeFuture,
    /// The connection pool's figures, when the service keeps one.
    pub pool: Option<PoolStats>,
}

/// A connection pool's figures at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// Connections open (idle and in use).
    pub open: usize,
    /// Connections lent out to requests now.
    pub in_use: usize,
    /// The most the pool opens.
    pub max: usize,
}

/// The readiness of a process without backends (a simulator): always ready, and no backend
/// for `/metrics` to report. `name` is what a failure message would say.
pub fn no_backend(name: &'static str) -> Arc<dyn Readiness> {
    struct NoBackend(&'static str);
    impl Readiness for NoBackend {
        fn backend(&self) -> &'static str {
            self.0
        }
        fn probe(&self) -> ProbeFuture {
            Box::pin(async { Ok(()) })
        }
        fn checks(&self) -> Vec<BackendCheck> {
            Vec::new()
        }
    }
    Arc::new(NoBackend(name))
}

/// A [`Readiness`] for `backend` whose probe runs `probe(target.clone())` on every `/readyz`,
/// for a backend that one handle reaches (an object store, a connection pool):
///
/// ```
/// # use weapp_common::health;
/// let readiness = health::readiness("storage", (), |()| async { Ok(()) });
/// assert_eq!(readiness.backend(), "storage");
/// ```
pub fn readiness<T, F, P>(backend: &'static str, target: T, probe: F) -> Arc<dyn Readiness>
where
    T: Clone + Send + Sync + 'static,
    F: Fn(T) -> P + Send + Sync + 'static,
    P: Future<Output = Result<(), String>> + Send + 'static,
{
    readiness_with_pool(backend, target, probe, |_: &T| None)
}

/// [`readiness`] for a connection pool: `pool(&target)` gives its figures for `/metrics`.
pub fn readiness_with_pool<T, F, P, G>(
    backend: &'static str,
    target: T,
    probe: F,
    pool: G,
) -> Arc<dyn Readiness>
where
    T: Clone + Send + Sync + 'static,
    F: Fn(T) -> P + Send + Sync + 'static,
    P: Future<Output = Result<(), String>> + Send + 'static,
    G: Fn(&T) -> Option<PoolStats> + Send + Sync + 'static,
{
    Arc::new(Probe {
        backend,
        target,
        probe,
        pool,
    })
}

/// What [`readiness_with_pool`] builds.
struct Probe<T, F, G> {
    backend: &'static str,
    target: T,
    probe: F,
    pool: G,
}

impl<T, F, P, G> Readiness for Probe<T, F, G>
where
    T: Clone + Send + Sync + 'static,
    F: Fn(T) -> P + Send + Sync + 'static,
    P: Future<Output = Result<(), String>> + Send + 'static,
    G: Fn(&T) -> Option<PoolStats> + Send + Sync + 'static,
{
    fn backend(&self) -> &'static str {
        self.backend
    }

    fn probe(&self) -> ProbeFuture {
        Box::pin((self.probe)(self.target.clone()))
    }

    fn checks(&self) -> Vec<BackendCheck> {
        vec![BackendCheck {
            backend: self.backend,
            probe: self.probe(),
            pool: (self.pool)(&self.target),
        }]
    }
}

/// Register `GET /healthz` and `GET /readyz` (at the root, outside the routed `/applet` paths).
pub fn configure(cfg: &mut web::ServiceConfig, readiness: Arc<dyn Readiness>) {
    cfg.app_data(web::Data::new(ReadinessData(readiness)))
        .route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz));
}

/// Holder so the trait object can live in actix app data.
struct ReadinessData(Arc<dyn Readiness>);

async fn healthz() -> Envelope {
    Envelope::ok("ok", Empty {})
}

async fn readyz(readiness: web::Data<ReadinessData>) -> HttpResponse {
    let readiness = &readiness.0;
    match readiness.probe().await {
        Ok(()) => Envelope::ok("ok", Empty {}).into_response(StatusCode::OK),
        Err(cause) => {
            log::warn!("readiness: {} unavailable: {cause}", readiness.backend());
            Envelope::failed(format!("{} unavailable", readiness.backend()), Empty {})
                .into_response(StatusCode::SERVICE_UNAVAILABLE)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::{App, test};

    struct Fixed(Result<(), String>);

    impl Readiness for Fixed {
        fn backend(&self) -> &'static str {
            "storage"
        }
        fn probe(&self) -> ProbeFuture {
            let result = self.0.clone();
            Box::pin(async move { result })
        }
    }

    async fn get(readiness: Fixed, path: &str) -> (StatusCode, String) {
        let app =
            test::init_service(App::new().configure(|cfg| configure(cfg, Arc::new(readiness))))
                .await;
        let response =
            test::call_service(&app, test::TestRequest::get().uri(path).to_request()).await;
        let status = response.status();
        let body = test::read_body(response).await;
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    #[actix_web::test]
    async fn healthz_answers_without_asking_the_backend() {
        let (status, body) = get(Fixed(Err("down".into())), "/healthz").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, r#"{"code":0,"msg":"ok","data":{}}"#);
    }

    #[actix_web::test]
    async fn readyz_reports_a_failing_backend_without_its_cause() {
        let (status, body) = get(Fixed(Err("secret-host:1234 refused".into())), "/readyz").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body, r#"{"code":-1,"msg":"storage unavailable","data":{}}"#);
    }

    #[actix_web::test]
    async fn a_readiness_from_a_probe_asks_its_target_every_time() {
        let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let readiness = readiness("mysql", Arc::clone(&calls), |calls| async move {
            match calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed) {
                0 => Err("refused".to_owned()),
                _ => Ok(()),
            }
        });
        assert_eq!(readiness.backend(), "mysql");
        let app = test::init_service(App::new().configure(|cfg| configure(cfg, readiness))).await;
        let mut answers = Vec::new();
        for _ in 0..2 {
            let request = test::TestRequest::get().uri("/readyz").to_request();
            let response = test::call_service(&app, request).await;
            let status = response.status();
            let body = test::read_body(response).await;
            answers.push((status, String::from_utf8_lossy(&body).into_owned()));
        }
        assert_eq!(
            answers,
            [
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    r#"{"code":-1,"msg":"mysql unavailable","data":{}}"#.to_owned()
                ),
                (
                    StatusCode::OK,
                    r#"{"code":0,"msg":"ok","data":{}}"#.to_owned()
                ),
            ]
        );
    }

    #[actix_web::test]
    async fn readyz_is_ok_when_the_backend_answers() {
        let (status, _) = get(Fixed(Ok(())), "/readyz").await;
        assert_eq!(status, StatusCode::OK);
    }
}
