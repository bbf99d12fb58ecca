//! The shutdown notice every connection polls on each turn of its loop. After a connection's
//! first poll, a poll is one atomic load and a waker comparison; a `CancellationToken` waiter
//! takes a lock on every poll, which at tens of thousands of messages a second is a measurable
//! share of the server's CPU (callgrind: ≈ 1,000 instructions per relayed message).

use std::{
    collections::HashMap,
    future::Future,
    pin::Pin,
    sync::{
        Mutex, PoisonError,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    task::{Context, Poll, Waker},
};

/// Raised once, at shutdown; every [`Waiter`] then resolves.
#[derive(Debug, Default)]
pub struct ShutdownNotice {
    raised: AtomicBool,
    waiters: Mutex<HashMap<u64, Waker>>,
    next_key: AtomicU64,
}

impl ShutdownNotice {
    /// Raises the notice and wakes every waiter.
    pub fn raise(&self) {
        self.raised.store(true, Ordering::Release);
        let waiters = std::mem::take(&mut *self.lock());
        for waker in waiters.into_values() {
            waker.wake();
        }
    }

    /// Whether the notice has been raised.
    pub fn is_raised(&self) -> bool {
        self.raised.load(Ordering::Acquire)
    }

    /// A future resolving once the notice is raised (at once if it already is).
    pub fn waiter(&self) -> Waiter<'_> {
        Waiter {
            notice: self,
            key: self.next_key.fetch_add(1, Ordering::Relaxed),
            registered: None,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Waker>> {
        self.waiters.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Waits for a [`ShutdownNotice`]; registers its task's waker once, and again only if the task
/// changes.
#[derive(Debug)]
pub struct Waiter<'n> {
    notice: &'n ShutdownNotice,
    key: u64,
    registered: Option<Waker>,
}

impl Future for Waiter<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.notice.is_raised() {
            return Poll::Ready(());
        }
        if self
            .registered
            .as_ref()
            .is_some_and(|waker| waker.will_wake(cx.waker()))
        {
            return Poll::Pending;
        }
        let waker = cx.waker().clone();
        self.notice.lock().insert(self.key, waker.clone());
        self.registered = Some(waker);
        // Raised before the waker was in the map: `raise` may have missed it.
        if self.notice.is_raised() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Drop for Waiter<'_> {
    fn drop(&mut self) {
        if self.registered.is_some() {
            self.notice.lock().remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::{pin::pin, time::Duration};

    use super::*;

    #[tokio::test]
    async fn waiters_resolve_when_raised_and_not_before() {
        let notice = ShutdownNotice::default();
        let mut waiter = pin!(notice.waiter());
        assert!(
            tokio::time::timeout(Duration::from_millis(10), waiter.as_mut())
                .await
                .is_err()
        );
        assert_eq!(notice.lock().len(), 1);
        let (raised, ()) = tokio::join!(async { notice.raise() }, waiter);
        let () = raised;
        assert!(notice.lock().is_empty());
    }

    #[tokio::test]
    async fn a_waiter_made_after_the_notice_resolves_at_once() {
        let notice = ShutdownNotice::default();
        notice.raise();
        notice.waiter().await;
        assert!(notice.is_raised());
    }

    #[test]
    fn a_dropped_waiter_leaves_the_map() {
        let notice = ShutdownNotice::default();
        let mut waiter = Box::pin(notice.waiter());
        let mut cx = Context::from_waker(Waker::noop());
        assert!(waiter.as_mut().poll(&mut cx).is_pending());
        assert!(waiter.as_mut().poll(&mut cx).is_pending());
        assert_eq!(notice.lock().len(), 1);
        drop(waiter);
        assert!(notice.lock().is_empty());
    }
}
