//! The same behaviour on both index stores: the memory one, and the Redis one on the stack's
//! real Redis (`WEAPP_TEST_REDIS_URL`, default `redis://127.0.0.1:6379`) under a namespace of
//! its own, purged afterwards.

use std::time::Duration;

use rand::{Rng, distr::Alphanumeric};

use super::*;
use crate::image::ImageKind;

fn entry(key: &str, ms: i64, owner: Option<&str>) -> Entry {
    Entry {
        key: key.to_owned(),
        ms,
        owner: owner.map(str::to_owned),
    }
}

fn redis_index() -> RedisIndex {
    let url = std::env::var("WEAPP_TEST_REDIS_URL")
        .ok()
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| "redis://127.0.0.1:6379".to_owned());
    let name: String = rand::rng()
        .sample_iter(&Alphanumeric)
        .take(10)
        .map(char::from)
        .collect();
    RedisIndex::new(
        &url,
        format!("weapp-album-test:{name}/t/"),
        Duration::from_secs(2),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// Run `check` on a memory index and on a Redis index.
async fn on_both<F, Fut>(check: F)
where
    F: Fn(Index) -> Fut,
    Fut: std::future::Future<Output = Result<(), IndexError>>,
{
    check(Index::Memory(MemoryIndex::new()))
        .await
        .unwrap_or_else(|e| panic!("memory: {e}"));
    let redis = redis_index();
    let result = check(Index::Redis(redis.clone())).await;
    redis.purge().await.unwrap_or_else(|e| panic!("purge: {e}"));
    result.unwrap_or_else(|e| panic!("redis: {e}"));
}

#[tokio::test]
async fn pages_are_newest_first_and_continue_after_a_cursor() {
    on_both(|index| async move {
        for (key, ms) in [("a", 10), ("b", 30), ("c", 20), ("d", 30), ("e", 5)] {
            index.add(&entry(key, ms, None)).await?;
        }
        assert_eq!(index.page(None, None, 3).await?, ["d", "b", "c"]);
        let cursor = Cursor {
            ms: 30,
            key: "d".into(),
        };
        assert_eq!(index.page(None, Some(&cursor), 2).await?, ["b", "c"]);
        let cursor = Cursor {
            ms: 20,
            key: "c".into(),
        };
        assert_eq!(index.page(None, Some(&cursor), 10).await?, ["a", "e"]);
        // A cursor on a photo deleted since still continues in order.
        index.remove("c").await?;
        assert_eq!(index.page(None, Some(&cursor), 10).await?, ["a", "e"]);
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn owners_have_pages_of_their_own_and_moves_follow_the_owner() {
    on_both(|index| async move {
        index.add(&entry("a", 1, Some("o_alice"))).await?;
        index.add(&entry("b", 2, Some("o_bob"))).await?;
        index.add(&entry("c", 3, Some("o_alice"))).await?;
        index.add(&entry("d", 4, None)).await?;
        assert_eq!(index.page(Some("o_alice"), None, 10).await?, ["c", "a"]);
        assert_eq!(index.page(Some("o_bob"), None, 10).await?, ["b"]);
        assert_eq!(
            index.page(Some("o_carol"), None, 10).await?,
            Vec::<String>::new()
        );
        index.add(&entry("a", 1, Some("o_bob"))).await?;
        assert_eq!(index.page(Some("o_alice"), None, 10).await?, ["c"]);
        assert_eq!(index.page(Some("o_bob"), None, 10).await?, ["b", "a"]);
        assert_eq!(index.get("a").await?, Some(entry("a", 1, Some("o_bob"))));
        assert_eq!(index.get("d").await?, Some(entry("d", 4, None)));
        index.remove("a").await?;
        assert_eq!(index.get("a").await?, None);
        assert_eq!(index.page(Some("o_bob"), None, 10).await?, ["b"]);
        assert_eq!(index.page(None, None, 10).await?, ["d", "c", "b"]);
        let mut all = index.all().await?;
        all.sort_by(|x, y| x.key.cmp(&y.key));
        assert_eq!(all.len(), 3);
        assert_eq!(all[1], entry("c", 3, Some("o_alice")));
        Ok(())
    })
    .await;
}

fn ticket(key: &str, next_check_ms: i64) -> Ticket {
    Ticket {
        key: key.to_owned(),
        kind: ImageKind::Jpeg,
        owner: None,
        max_size: 10,
        issued_ms: 0,
        expires_ms: 100,
        next_check_ms,
        state: TicketState::Pending,
    }
}

#[tokio::test]
async fn due_tickets_are_claimed_once() {
    on_both(|index| async move {
        index.save_ticket(&ticket("t1", 10)).await?;
        index.save_ticket(&ticket("t2", 20)).await?;
        index.save_ticket(&ticket("t3", 30)).await?;
        assert!(!index.has_due(5).await?);
        assert!(index.has_due(20).await?);
        let claimed = index.claim_due(20, 10).await?;
        let keys: Vec<_> = claimed.iter().map(|t| t.key.as_str()).collect();
        assert_eq!(keys, ["t1", "t2"]);
        assert!(index.claim_due(20, 10).await?.is_empty(), "claimed once");
        // The record stays readable until dropped; rescheduling makes it due again.
        assert_eq!(index.ticket("t1").await?, Some(ticket("t1", 10)));
        index.save_ticket(&ticket("t1", 25)).await?;
        assert_eq!(index.claim_due(25, 10).await?.len(), 1);
        index.drop_ticket("t3").await?;
        assert_eq!(index.ticket("t3").await?, None);
        assert!(index.claim_due(1000, 10).await?.is_empty());
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn tickets_saved_together_are_each_scheduled_and_readable() {
    on_both(|index| async move {
        index.save_tickets(&[]).await?;
        index.save_ticket(&ticket("t2", 5)).await?;
        index
            .save_tickets(&[ticket("t1", 40), ticket("t2", 20), ticket("t3", 30)])
            .await?;
        assert!(!index.has_due(19).await?, "t2 was moved from 5 to 20");
        let claimed = index.claim_due(30, 10).await?;
        let keys: Vec<_> = claimed.iter().map(|t| t.key.as_str()).collect();
        assert_eq!(keys, ["t2", "t3"]);
        assert_eq!(index.ticket("t1").await?, Some(ticket("t1", 40)));
        assert_eq!(index.claim_due(40, 10).await?.len(), 1);
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn one_time_ids_are_accepted_once_and_built_is_remembered() {
    on_both(|index| async move {
        assert!(index.use_once("sig-1", Duration::from_secs(60)).await?);
        assert!(!index.use_once("sig-1", Duration::from_secs(60)).await?);
        assert!(index.use_once("sig-2", Duration::from_secs(60)).await?);
        assert!(!index.is_built().await?);
        index.mark_built().await?;
        assert!(index.is_built().await?);
        assert!(index.lock_rebuild(Duration::from_secs(5)).await?);
        index
            .remember("sig-1", "o_alice", Duration::from_secs(60))
            .await?;
        assert_eq!(index.recall("sig-1").await?.as_deref(), Some("o_alice"));
        assert_eq!(index.recall("sig-2").await?, None);
        Ok(())
    })
    .await;
}

#[tokio::test]
async fn redis_rebuild_lock_is_exclusive() {
    let redis = redis_index();
    let index = Index::Redis(redis.clone());
    let first = index.lock_rebuild(Duration::from_secs(5)).await;
    let second = index.lock_rebuild(Duration::from_secs(5)).await;
    redis.purge().await.unwrap_or_else(|e| panic!("{e}"));
    assert!(first.unwrap_or_else(|e| panic!("{e}")));
    assert!(!second.unwrap_or_else(|e| panic!("{e}")));
}

#[test]
fn key_time_reads_the_original_key_form() {
    assert_eq!(
        key_time("photos/1700000000123-abc.jpg"),
        Some(1_700_000_000_123)
    );
    assert_eq!(key_time("1700000000123-x.png"), Some(1_700_000_000_123));
    assert_eq!(key_time("cat.png"), None);
    assert_eq!(key_time("a-b.png"), None);
    assert_eq!(key_time("-b.png"), None);
}

/// The memory store forgets one-time ids and remembered values when they expire, without
/// scanning everything it holds on each call, and keeps an id whose deadline was moved on.
#[tokio::test(start_paused = true)]
async fn memory_expiry_forgets_only_what_is_due() -> Result<(), IndexError> {
    let index = Index::Memory(MemoryIndex::new());
    index
        .remember("v4-a", "o_alice", Duration::from_secs(1))
        .await?;
    index
        .remember("v4-b", "o_bob", Duration::from_secs(1))
        .await?;
    // Remembered again, for longer: the first deadline must not forget it.
    index
        .remember("v4-a", "o_alice", Duration::from_secs(10))
        .await?;
    assert!(index.use_once("once-a", Duration::from_secs(1)).await?);
    tokio::time::advance(Duration::from_secs(2)).await;
    // A later call purges what came due.
    index
        .remember("v4-c", "o_carol", Duration::from_secs(1))
        .await?;
    assert_eq!(index.recall("v4-a").await?.as_deref(), Some("o_alice"));
    assert_eq!(index.recall("v4-b").await?, None);
    let Index::Memory(memory) = &index else {
        unreachable!("built as a memory index")
    };
    assert_eq!(
        memory.held(),
        (1, 2),
        "expired ids must be dropped, not kept"
    );
    // An expired one-time id is accepted again, once.
    assert!(index.use_once("once-a", Duration::from_secs(1)).await?);
    assert!(!index.use_once("once-a", Duration::from_secs(1)).await?);
    tokio::time::advance(Duration::from_secs(9)).await;
    index
        .remember("v4-d", "o_dan", Duration::from_secs(60))
        .await?;
    assert_eq!(index.recall("v4-a").await?, None);
    assert_eq!(memory.held(), (1, 1));
    Ok(())
}

/// The memory index remembers at most `index.max_remembered` values: full, it keeps no new id
/// (but still refreshes one it holds), and an expired value makes room again.
#[tokio::test(start_paused = true)]
async fn the_memory_index_bounds_remembered_values() -> Result<(), IndexError> {
    let index = Index::Memory(MemoryIndex::with_bounds(10, 2));
    let minute = Duration::from_secs(60);
    assert!(index.remember("v4-a", "o_alice", minute).await?);
    assert!(
        index
            .remember("v4-b", "o_bob", Duration::from_secs(1))
            .await?
    );
    assert!(
        !index.remember("v4-c", "o_carol", minute).await?,
        "two of two are remembered"
    );
    assert_eq!(
        index.recall("v4-c").await?,
        None,
        "a refused value is not kept"
    );
    assert!(
        index.remember("v4-a", "o_alice2", minute).await?,
        "a held id is refreshed"
    );
    assert_eq!(index.recall("v4-a").await?.as_deref(), Some("o_alice2"));
    tokio::time::advance(Duration::from_secs(2)).await;
    assert!(
        index.remember("v4-c", "o_carol", minute).await?,
        "v4-b expired"
    );
    assert_eq!(index.recall("v4-c").await?.as_deref(), Some("o_carol"));
    Ok(())
}

/// The memory index holds at most `index.max_remembered` one-time ids: full, a new id is an
/// error (a used one is still refused as used), and an expired id makes room again.
#[tokio::test(start_paused = true)]
async fn the_memory_index_bounds_one_time_ids() -> Result<(), IndexError> {
    let index = Index::Memory(MemoryIndex::with_bounds(10, 1));
    let minute = Duration::from_secs(60);
    assert!(index.use_once("once-a", minute).await?);
    assert!(
        index.use_once("once-b", minute).await.is_err(),
        "one of one is held"
    );
    assert!(!index.use_once("once-a", minute).await?, "still used once");
    tokio::time::advance(Duration::from_secs(61)).await;
    assert!(index.use_once("once-b", minute).await?, "once-a expired");
    Ok(())
}

/// `first` and `second` (two instances, or the same index twice) share a bound of two open
/// tickets: full, they refuse a new one but save an open one again, and a dropped ticket makes
/// room again.
async fn check_a_bound_of_two(first: &Index, second: &Index) -> Result<(), IndexError> {
    assert!(first.open_ticket(&ticket("t1", 10)).await?);
    assert!(second.open_ticket(&ticket("t2", 10)).await?);
    assert!(
        !first.open_ticket(&ticket("t3", 10)).await?,
        "two of two are open"
    );
    assert_eq!(
        first.ticket("t3").await?,
        None,
        "a refused ticket is not saved"
    );
    assert!(
        first.open_ticket(&ticket("t2", 20)).await?,
        "an open ticket is saved again"
    );
    assert_eq!(first.ticket("t2").await?, Some(ticket("t2", 20)));
    first.drop_ticket("t1").await?;
    assert!(
        second.open_ticket(&ticket("t3", 10)).await?,
        "t1 was dropped"
    );
    assert_eq!(first.ticket("t3").await?, Some(ticket("t3", 10)));
    Ok(())
}

/// The memory index opens at most `index.max_open_tickets` tickets; one claimed for a check is
/// still open.
#[tokio::test]
async fn the_memory_index_bounds_open_tickets() -> Result<(), IndexError> {
    let index = Index::Memory(MemoryIndex::with_bounds(2, 10));
    check_a_bound_of_two(&index, &index).await?;
    let claimed = index.claim_due(20, 10).await?;
    assert_eq!(claimed.len(), 2);
    assert!(!index.open_ticket(&ticket("t4", 10)).await?);
    index.save_tickets(&claimed).await?;
    assert_eq!(index.ticket("t2").await?, Some(ticket("t2", 20)));
    Ok(())
}

/// The Redis index opens at most `index.max_open_tickets` tickets, for every instance
/// together.
#[tokio::test]
async fn the_redis_index_bounds_open_tickets() {
    let redis = redis_index().with_max_open_tickets(2);
    let (one, other) = (Index::Redis(redis.clone()), Index::Redis(redis.clone()));
    let checked = check_a_bound_of_two(&one, &other).await;
    redis.purge().await.unwrap_or_else(|e| panic!("purge: {e}"));
    checked.unwrap_or_else(|e| panic!("redis: {e}"));
}

/// The bound holds when many workers open tickets at once: the count and the save are one
/// step, so exactly `max_open_tickets` of them succeed (over many rounds, as a race between a
/// separate count and save shows only now and then), in memory and on Redis.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_ticket_bound_holds_under_concurrent_opens() -> Result<(), IndexError> {
    const BOUND: usize = 10;
    const CALLERS: usize = 64;
    let redis = redis_index().with_max_open_tickets(BOUND);
    for round in 0..400 {
        let index = if round % 10 == 9 {
            redis.purge().await?;
            Index::Redis(redis.clone())
        } else {
            Index::Memory(MemoryIndex::with_bounds(BOUND, 10))
        };
        let start = std::sync::Arc::new(tokio::sync::Barrier::new(CALLERS));
        let mut opened = tokio::task::JoinSet::new();
        for n in 0..CALLERS {
            let (index, start) = (index.clone(), std::sync::Arc::clone(&start));
            opened.spawn(async move {
                start.wait().await;
                index.open_ticket(&ticket(&format!("c{n}"), 10)).await
            });
        }
        let mut count = 0;
        while let Some(result) = opened.join_next().await {
            if result.expect("an opener panicked")? {
                count += 1;
            }
        }
        assert_eq!(count, BOUND, "round {round}");
        assert_eq!(
            index.claim_due(10, CALLERS).await?.len(),
            BOUND,
            "round {round}"
        );
    }
    redis.purge().await
}
