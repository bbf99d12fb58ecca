//! Rounds: movements, results, choices kept, bots choosing, leaves and disconnects mid-round.

use std::time::Duration;

use tokio::time::Instant;

use super::{Harness, config, pair};
use crate::{
    game::GameConfig,
    protocol::{Choice, ClientCommand, Movement, RoundResult, ServerEvent},
};

fn moved(uid: &str, movement: Movement) -> ServerEvent {
    ServerEvent::Movement {
        uid: uid.into(),
        movement,
    }
}

fn line(uid: &str, scores: (i64, i64, i64), choice: Option<Choice>) -> RoundResult {
    RoundResult {
        uid: uid.to_owned(),
        round_score: scores.0,
        total_score: scores.1,
        win_streak: scores.2,
        choice,
    }
}

#[tokio::test(start_paused = true)]
async fn a_choice_reaches_the_others_as_a_movement_without_the_hand() {
    let harness = Harness::new();
    let (mut a, mut b) = pair(&harness).await;
    a.send(ClientCommand::Choice(Choice::Paper)).await;
    assert_eq!(b.next().await, moved("a", Movement::Choice));
    b.send(ClientCommand::Face(1)).await;
    assert_eq!(a.next().await, moved("b", Movement::Face(1)));
    // Neither hears its own movement: the next event of each is the result.
    assert!(matches!(a.next().await, ServerEvent::Result(_)));
    assert!(matches!(b.next().await, ServerEvent::Result(_)));
}

#[tokio::test(start_paused = true)]
async fn a_hello_while_seated_renames_the_next_movement() {
    let harness = Harness::new();
    let (mut a, mut b) = pair(&harness).await;
    a.send(ClientCommand::Hello(super::user("a2"))).await;
    assert_eq!(a.next().await, ServerEvent::Hi { nearby: 10 });
    a.send(ClientCommand::Choice(Choice::Paper)).await;
    assert_eq!(b.next().await, moved("a2", Movement::Choice));
}

#[tokio::test(start_paused = true)]
async fn the_result_comes_exactly_after_game_time_with_every_entry_in_join_order() {
    let harness = Harness::new();
    let (mut a, mut b) = pair(&harness).await;
    let started = Instant::now();
    b.send(ClientCommand::Choice(Choice::Scissors)).await;
    a.send(ClientCommand::Choice(Choice::Rock)).await;
    assert_eq!(a.next().await, moved("b", Movement::Choice));
    assert_eq!(b.next().await, moved("a", Movement::Choice));
    a.quiet_for(Duration::from_millis(2999)).await;
    let (result, at) = a.next_at(started).await;
    assert_eq!(at, Duration::from_secs(3));
    let expected = ServerEvent::Result(vec![
        line("a", (1, 1, 1), Some(Choice::Rock)),
        line("b", (0, 0, 0), Some(Choice::Scissors)),
    ]);
    assert_eq!(result, expected);
    assert_eq!(b.next().await, expected);
}

#[tokio::test(start_paused = true)]
async fn choices_and_scores_carry_into_the_next_round() {
    let harness = Harness::new();
    let (mut a, mut b) = pair(&harness).await;
    a.send(ClientCommand::Choice(Choice::Rock)).await;
    b.send(ClientCommand::Choice(Choice::Scissors)).await;
    b.next().await; // movement
    a.next().await; // movement
    a.next().await; // result
    b.next().await;
    // A new round only when the room fills through a join: b re-joins the same room.
    b.send(ClientCommand::Join).await;
    let users = a.next_start().await;
    assert_eq!(users, b.next_start().await);
    assert_eq!(users[0].uid, "a");
    assert_eq!(users[0].choice, Some(Choice::Rock));
    assert_eq!((users[0].total_score, users[0].win_streak), (1, 1));
    assert_eq!(users[1].choice, Some(Choice::Scissors));
    // Nobody chooses again: the kept hands decide, and the streak doubles the score.
    let expected = ServerEvent::Result(vec![
        line("a", (2, 3, 2), Some(Choice::Rock)),
        line("b", (0, 0, 0), Some(Choice::Scissors)),
    ]);
    assert_eq!(a.next().await, expected);
}

#[tokio::test(start_paused = true)]
async fn bot_choices_arrive_in_their_windows_until_the_result() {
    let harness = Harness::with(GameConfig {
        game_time: Duration::from_secs(12),
        ..config()
    });
    let mut a = harness.hello("a").await;
    a.send(ClientCommand::Join).await;
    let ServerEvent::Start { game_time, .. } = a.next().await else {
        panic!("expected start");
    };
    assert_eq!(game_time, 12);
    let started = Instant::now();
    let mut moments = Vec::new();
    loop {
        match a.next_at(started).await {
            (ServerEvent::Movement { uid, movement }, at) => {
                assert_eq!((&*uid, movement), ("robot-1", Movement::Choice));
                moments.push(at);
            }
            (ServerEvent::Result(result), at) => {
                assert_eq!(at, Duration::from_secs(12));
                assert_eq!(result.len(), 2);
                assert!(result[1].choice.is_some(), "the bot has a hand");
                break;
            }
            (other, _) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(moments.first(), Some(&Duration::from_millis(10)));
    assert!(moments.len() >= 3, "several choices in 12 s: {moments:?}");
    for gap in moments.windows(2).map(|w| w[1] - w[0]) {
        assert!(
            gap >= Duration::from_millis(100) && gap < Duration::from_millis(4100),
            "{gap:?}"
        );
    }
    // The bot stops choosing once the result is out.
    a.quiet_for(Duration::from_secs(10)).await;
}

#[tokio::test(start_paused = true)]
async fn a_leave_is_told_to_the_others_only() {
    let harness = Harness::new();
    let (mut a, mut b) = pair(&harness).await;
    a.send(ClientCommand::Leave).await;
    assert_eq!(b.next().await, ServerEvent::Leave { uid: "a".into() });
    a.quiet_for(Duration::from_secs(10)).await;
}

#[tokio::test(start_paused = true)]
async fn a_human_leaving_a_bot_hears_the_bot_leave() {
    let harness = Harness::new();
    let mut a = harness.hello("a").await;
    a.send(ClientCommand::Join).await;
    a.next_start().await;
    a.send(ClientCommand::Leave).await;
    // The bot's movements may come first (it plays from 10 ms on).
    loop {
        match a.next().await {
            ServerEvent::Movement { .. } => {}
            event => {
                assert_eq!(
                    event,
                    ServerEvent::Leave {
                        uid: "robot-1".into()
                    }
                );
                break;
            }
        }
    }
    assert_eq!(harness.game.stats().rooms, 0);
    a.quiet_for(Duration::from_secs(10)).await;
}

#[tokio::test(start_paused = true)]
async fn a_disconnect_mid_round_voids_it_silently_and_brings_a_bot() {
    let harness = Harness::new();
    let (mut a, b) = pair(&harness).await;
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(1)).await;
    drop(b);
    // No leave, no single-entry result; at the round's end + the bot delay, a new round.
    let (start, at) = a.next_at(started).await;
    assert_eq!(at, Duration::from_secs(4));
    let ServerEvent::Start { room_users, .. } = start else {
        panic!("expected start, got {start:?}");
    };
    let uids: Vec<_> = room_users.iter().map(|u| u.uid.as_str()).collect();
    assert_eq!(uids, ["a", "robot-1"]);
    let stats = harness.game.stats();
    assert_eq!((stats.rounds, stats.void_rounds), (0, 1));
}

#[tokio::test(start_paused = true)]
async fn a_leave_mid_round_does_not_stall_the_one_left() {
    let harness = Harness::new();
    let (mut a, mut b) = pair(&harness).await;
    let started = Instant::now();
    // After the join timers (1 s), which would otherwise seat a bot at once.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    b.send(ClientCommand::Choice(Choice::Rock)).await;
    assert_eq!(a.next().await, moved("b", Movement::Choice));
    b.send(ClientCommand::Leave).await;
    assert_eq!(a.next().await, ServerEvent::Leave { uid: "b".into() });
    let (start, at) = a.next_at(started).await;
    assert_eq!(at, Duration::from_secs(4));
    assert!(matches!(start, ServerEvent::Start { .. }), "{start:?}");
    assert_eq!(harness.game.stats().rounds, 0);
}

#[tokio::test(start_paused = true)]
async fn a_choice_made_outside_a_room_is_kept_for_the_next_round() {
    let harness = Harness::new();
    let mut a = harness.hello("a").await;
    let mut b = harness.hello("b").await;
    a.send(ClientCommand::Choice(Choice::Paper)).await;
    a.send(ClientCommand::Join).await;
    b.send(ClientCommand::Join).await;
    let users = b.next_start().await;
    assert_eq!(users[0].choice, Some(Choice::Paper));
}

#[tokio::test(start_paused = true)]
async fn a_room_refilled_mid_round_restarts_the_round_with_one_result() {
    let harness = Harness::new();
    let (mut a, mut b) = pair(&harness).await;
    let started = Instant::now();
    tokio::time::sleep(Duration::from_millis(500)).await;
    b.send(ClientCommand::Leave).await;
    assert_eq!(a.next().await, ServerEvent::Leave { uid: "b".into() });
    // The join timers find a free seat at 1 s: a bot sits down and a new round starts.
    let (start, at) = a.next_at(started).await;
    assert_eq!(at, Duration::from_secs(1));
    assert!(matches!(start, ServerEvent::Start { .. }), "{start:?}");
    // The abandoned round ends without a result; the new one at 1 s + 3 s.
    loop {
        match a.next_at(started).await {
            (ServerEvent::Movement { .. }, _) => {}
            (ServerEvent::Result(result), at) => {
                assert_eq!(at, Duration::from_secs(4));
                assert_eq!(result.len(), 2);
                break;
            }
            (other, _) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(harness.game.stats().rounds, 1);
}
