//! Slow readers, counters, shutdown.

use std::time::Duration;

use super::{Harness, pair};
use crate::{
    game::Stats,
    protocol::{Choice, ClientCommand, ServerEvent},
};

#[tokio::test(start_paused = true)]
async fn a_slow_reader_is_cut_off_while_the_others_keep_receiving() {
    let harness = Harness::new();
    let mut slow = harness.connect_with_queue(2);
    let mut b = harness.hello("b").await;
    slow.send(ClientCommand::Join).await;
    b.send(ClientCommand::Join).await;
    b.next_start().await; // slow: start (1 of 2) stays unread
    b.send(ClientCommand::Choice(Choice::Rock)).await; // movement (2 of 2)
    assert!(!slow.events.is_overflowed());
    b.send(ClientCommand::Face(3)).await; // no room left: cut off
    slow.events.overflowed().await;
    assert!(slow.events.is_overflowed());
    // b is not held back and still gets its result.
    assert!(matches!(b.next().await, ServerEvent::Result(_)));
}

#[tokio::test(start_paused = true)]
async fn stats_count_players_rooms_and_rounds() {
    let harness = Harness::new();
    assert_eq!(harness.game.stats(), Stats::default());
    let (mut a, mut b) = pair(&harness).await;
    let _lonely = harness.connect();
    assert_eq!(
        harness.game.stats(),
        Stats {
            players: 3,
            rooms: 1,
            rounds: 0,
            void_rounds: 0
        }
    );
    a.next().await; // result
    b.next().await;
    assert_eq!(harness.game.stats().rounds, 1);
    drop(a);
    drop(b);
    tokio::time::sleep(Duration::from_millis(1)).await;
    assert_eq!(
        harness.game.stats(),
        Stats {
            players: 1,
            rooms: 0,
            rounds: 1,
            void_rounds: 0
        }
    );
}

#[tokio::test(start_paused = true)]
async fn shutdown_ends_every_task() {
    let harness = Harness::new();
    let (mut a, _b) = pair(&harness).await;
    let mut c = harness.hello("c").await;
    c.send(ClientCommand::Join).await;
    c.next_start().await; // a bot plays in a second room
    assert_eq!(harness.game.stats().rooms, 2);
    let game = harness.game.clone();
    harness.shutdown().await;
    // Players outliving the engine neither hang nor panic.
    a.send(ClientCommand::Join).await;
    a.send(ClientCommand::Choice(Choice::Rock)).await;
    c.send(ClientCommand::Leave).await;
    drop(c);
    assert_eq!(game.stats().players, 2);
}
