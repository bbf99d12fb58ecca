//! Request ids: one id per HTTP request, joining nginx's log line, the service's log lines and
//! the client's response.
//!
//! nginx sets `X-Request-Id: $request_id` (32 hex digits) on every request it forwards
//! (`nginx/snippets/weapp-proxy.conf`). [`middleware`] takes that id — or makes one of the same
//! shape when the service is reached directly, or when the header is not an acceptable id
//! ([`RequestId::parse`]) — returns it in the response's `X-Request-Id`, and makes it the
//! *current* id ([`with_current`]) while the request's handler runs and while its response body
//! is written and dropped (when actix's access log writes its line). The log formatter
//! (`logging`) adds the current id to every line, so the access line and any error line of a
//! request carry it.
//!
//! The current id lives in a thread-local that is set around each poll of the request's future
//! and body, not in a tokio task-local: actix polls a request's future and body on one worker
//! thread, and a thread-local that is already torn down (a thread exiting) reads as "no id"
//! instead of panicking inside a `Drop`.

use std::{
    cell::RefCell,
    fmt,
    future::{Future, poll_fn},
    pin::Pin,
    rc::Rc,
    task::{Context, Poll},
};

use actix_web::{
    Error, HttpMessage,
    body::{BodySize, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::header::{HeaderName, HeaderValue},
    middleware::Next,
    web::Bytes,
};
use rand::RngCore;

/// The header that carries the id both ways.
pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Longest id accepted from a client or proxy; a longer one is replaced. nginx's `$request_id`
/// is 32 characters, a UUID 36, AWS's trace ids under 100.
pub const MAX_LEN: usize = 128;

/// One request's id: 1–[`MAX_LEN`] characters from `A–Z a–z 0–9 - _ . : + / =`, so it can go
/// into a log line or a JSON string as it is and never splits or forges a line.
///
/// Cheap to clone (reference counted). Available to handlers as a request extension
/// (`req.extensions().get::<RequestId>()`).
#[derive(Clone, PartialEq, Eq)]
pub struct RequestId(Rc<str>);

impl RequestId {
    /// The id in `value` when it is acceptable (see the type), else `None`.
    pub fn parse(value: &[u8]) -> Option<Self> {
        let acceptable = |byte: &u8| byte.is_ascii_alphanumeric() || b"-_.:+/=".contains(byte);
        if value.is_empty() || value.len() > MAX_LEN || !value.iter().all(acceptable) {
            return None;
        }
        std::str::from_utf8(value).ok().map(|id| Self(id.into()))
    }

    /// A fresh id: 128 random bits as 32 lowercase hex digits, the shape of nginx's
    /// `$request_id`.
    pub fn generate() -> Self {
        let mut bytes = [0_u8; 16];
        rand::rng().fill_bytes(&mut bytes);
        let mut text = [0_u8; 32];
        // Cannot fail: the buffer is exactly twice the bytes.
        let _ = hex::encode_to_slice(bytes, &mut text);
        Self(std::str::from_utf8(&text).unwrap_or_default().into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RequestId({})", self.0)
    }
}

thread_local! {
    static CURRENT: RefCell<Option<RequestId>> = const { RefCell::new(None) };
}

/// Call `f` with the id of the request being served on this thread, if any (what the log
/// formatter adds to each line).
pub fn with_current<R>(f: impl FnOnce(Option<&str>) -> R) -> R {
    let current = CURRENT
        .try_with(|current| current.borrow().clone())
        .ok()
        .flatten();
    f(current.as_ref().map(RequestId::as_str))
}

/// Run `f` with `id` as the current id, then restore the previous one (also when `f` panics).
pub fn in_scope<R>(id: &RequestId, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<RequestId>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            let _ = CURRENT.try_with(|current| *current.borrow_mut() = previous);
        }
    }
    let previous = CURRENT
        .try_with(|current| current.replace(Some(id.clone())))
        .ok()
        .flatten();
    let _restore = Restore(previous);
    f()
}

/// The id of a request: its `X-Request-Id` when acceptable, else a fresh one.
pub fn of_request(request: &ServiceRequest) -> RequestId {
    request
        .headers()
        .get(HEADER)
        .and_then(|value| RequestId::parse(value.as_bytes()))
        .unwrap_or_else(RequestId::generate)
}

/// The actix middleware (`App::wrap(actix_web::middleware::from_fn(request_id::middleware))`,
/// outermost, so that everything inside — handlers, the access log — sees the id): takes or
/// makes the request's id, stores it as a request extension, serves the request with it
/// current, and sends it back in `X-Request-Id`.
///
/// # Errors
/// The inner service's.
pub async fn middleware<B: MessageBody + 'static>(
    request: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<ScopedBody<B>>, Error> {
    let id = of_request(&request);
    request.extensions_mut().insert(id.clone());
    let mut inner = std::pin::pin!(next.call(request));
    let mut response = poll_fn(|cx| in_scope(&id, || inner.as_mut().poll(cx))).await?;
    if let Ok(value) = HeaderValue::from_str(id.as_str()) {
        response.headers_mut().insert(HEADER, value);
    }
    Ok(response.map_body(|_, body| ScopedBody::new(body, id)))
}

/// A response body written — and dropped — with its request's id current, so the lines logged
/// then (actix's access log writes its line when the body is dropped) carry the id.
pub struct ScopedBody<B> {
    id: RequestId,
    inner: Option<Pin<Box<B>>>,
}

impl<B> ScopedBody<B> {
    fn new(inner: B, id: RequestId) -> Self {
        Self {
            id,
            inner: Some(Box::pin(inner)),
        }
    }
}

impl<B> Drop for ScopedBody<B> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            in_scope(&self.id, || drop(inner));
        }
    }
}

impl<B: MessageBody> MessageBody for ScopedBody<B> {
    type Error = B::Error;

    fn size(&self) -> BodySize {
        self.inner
            .as_ref()
            .map_or(BodySize::None, |inner| inner.size())
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let this = self.get_mut();
        match this.inner.as_mut() {
            Some(inner) => in_scope(&this.id, || inner.as_mut().poll_next(cx)),
            None => Poll::Ready(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nginx_ids_uuids_and_trace_ids_are_accepted() {
        for id in [
            "0123456789abcdef0123456789abcdef",
            "2f1c1b6e-6a8f-4a57-9d8e-2a3a1f3d6c11",
            "Root=1-67891233-abcdef012345678912345678",
            "a",
        ] {
            assert_eq!(
                RequestId::parse(id.as_bytes()).map(|id| id.to_string()),
                Some(id.to_owned())
            );
        }
    }

    #[test]
    fn ids_that_could_break_a_log_line_are_refused() {
        let long = "a".repeat(MAX_LEN + 1);
        for id in [
            "",
            "two words",
            "line\nbreak",
            "quote\"d",
            "back\\slash",
            "é",
            long.as_str(),
        ] {
            assert!(RequestId::parse(id.as_bytes()).is_none(), "{id:?}");
        }
        assert!(RequestId::parse(&[0xff, 0xfe]).is_none());
        assert!(RequestId::parse("a".repeat(MAX_LEN).as_bytes()).is_some());
    }

    #[test]
    fn generated_ids_look_like_nginx_ids_and_differ() {
        let (one, two) = (RequestId::generate(), RequestId::generate());
        assert_ne!(one, two);
        assert_eq!(one.as_str().len(), 32);
        assert!(one.as_str().bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(RequestId::parse(one.as_str().as_bytes()).is_some());
    }

    #[test]
    fn the_current_id_is_set_only_inside_the_scope_and_nests() {
        let (outer, inner) = (RequestId::generate(), RequestId::generate());
        let seen = |_: ()| with_current(|id| id.map(str::to_owned));
        assert_eq!(seen(()), None);
        in_scope(&outer, || {
            assert_eq!(seen(()).as_deref(), Some(outer.as_str()));
            in_scope(&inner, || {
                assert_eq!(seen(()).as_deref(), Some(inner.as_str()))
            });
            assert_eq!(seen(()).as_deref(), Some(outer.as_str()));
        });
        assert_eq!(seen(()), None);
    }

    #[test]
    fn the_previous_id_comes_back_after_a_panic() {
        let id = RequestId::generate();
        let result = std::panic::catch_unwind(|| in_scope(&id, || panic!("handler panicked")));
        assert!(result.is_err());
        assert_eq!(with_current(|id| id.map(str::to_owned)), None);
    }
}
