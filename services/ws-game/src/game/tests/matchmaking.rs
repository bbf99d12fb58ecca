//! Seating: hello, join, rooms at the front, the first free seat, the 1 s bot, empty rooms.

use std::time::Duration;

use tokio::time::Instant;

use super::{Harness, fresh, pair, user};
use crate::{
    game::ORIGINAL_BOT_AVATAR,
    protocol::{ClientCommand, RoomUser, ServerEvent, User},
};

fn robot(n: u64) -> RoomUser {
    RoomUser {
        uid: format!("robot-{n}"),
        uname: format!("robot-{n}"),
        uavatar: ORIGINAL_BOT_AVATAR.to_owned(),
        choice: None,
        round_score: 0,
        total_score: 0,
        win_streak: 0,
    }
}

#[tokio::test(start_paused = true)]
async fn hello_is_answered_with_hi_to_the_sender_only() {
    let harness = Harness::new();
    let (mut a, mut b) = pair(&harness).await;
    a.send(ClientCommand::Hello(user("a"))).await;
    assert_eq!(a.next().await, ServerEvent::Hi { nearby: 10 });
    b.quiet_for(Duration::from_millis(500)).await;
}

#[tokio::test(start_paused = true)]
async fn two_players_share_a_room_and_start_at_once() {
    let harness = Harness::new();
    let mut a = harness.hello("a").await;
    let mut b = harness.hello("b").await;
    let joined = Instant::now();
    a.send(ClientCommand::Join).await;
    b.send(ClientCommand::Join).await;
    let (start_a, at_a) = a.next_at(joined).await;
    let (start_b, at_b) = b.next_at(joined).await;
    let expected = ServerEvent::Start {
        game_time: 3,
        room_users: vec![fresh("a"), fresh("b")],
    };
    assert_eq!(start_a, expected);
    assert_eq!(start_b, expected);
    assert_eq!((at_a, at_b), (Duration::ZERO, Duration::ZERO));
}

#[tokio::test(start_paused = true)]
async fn a_lone_player_gets_a_bot_after_exactly_the_bot_delay() {
    let harness = Harness::new();
    let mut a = harness.hello("a").await;
    let joined = Instant::now();
    a.send(ClientCommand::Join).await;
    a.quiet_for(Duration::from_millis(999)).await;
    let (start, at) = a.next_at(joined).await;
    assert_eq!(at, Duration::from_secs(1));
    assert_eq!(
        start,
        ServerEvent::Start {
            game_time: 3,
            room_users: vec![fresh("a"), robot(1)],
        }
    );
}

#[tokio::test(start_paused = true)]
async fn an_empty_uid_is_replaced_by_a_server_made_one() {
    let harness = Harness::new();
    let mut a = harness.connect();
    let named = User {
        uid: String::new(),
        uname: "甲".into(),
        uavatar: "http://a/1.png".into(),
    };
    a.send(ClientCommand::Hello(named)).await;
    assert_eq!(a.player.user().uid, "player-1");
    a.next().await;
    let mut b = harness.hello("b").await;
    a.send(ClientCommand::Join).await;
    b.send(ClientCommand::Join).await;
    let users = b.next_start().await;
    assert_eq!(
        (users[0].uid.as_str(), users[0].uname.as_str()),
        ("player-1", "甲")
    );
    assert_eq!(users[0].uavatar, "http://a/1.png");
}

#[tokio::test(start_paused = true)]
async fn a_join_before_hello_uses_the_server_uid_and_no_name() {
    let harness = Harness::new();
    let mut anonymous = harness.connect();
    let mut b = harness.hello("b").await;
    anonymous.send(ClientCommand::Join).await;
    b.send(ClientCommand::Join).await;
    let users = b.next_start().await;
    let expected = RoomUser {
        uid: "player-1".into(),
        uname: String::new(),
        uavatar: String::new(),
        ..fresh("b")
    };
    assert_eq!(users, vec![expected, fresh("b")]);
}

#[tokio::test(start_paused = true)]
async fn new_rooms_go_first_and_a_join_takes_the_first_free_seat_silently() {
    let harness = Harness::new();
    let (mut a, mut b) = pair(&harness).await; // room0: a, b
    let mut c = harness.hello("c").await;
    let joined = Instant::now();
    c.send(ClientCommand::Join).await; // room0 is full: room1, in front
    assert_eq!(harness.game.stats().rooms, 2);
    // a leaves room0 without a word; room1 (front) comes before room0 (a free seat too).
    a.send(ClientCommand::Join).await;
    let expected = vec![fresh("c"), fresh("a")];
    assert_eq!(a.next_start().await, expected);
    assert_eq!(c.next_start().await, expected);
    // b hears nothing of it; the timers of room0's joins then give it a bot.
    let (start, at) = b.next_at(joined).await;
    assert_eq!(at, Duration::from_secs(1));
    match start {
        ServerEvent::Start { room_users, .. } => {
            let uids: Vec<_> = room_users.iter().map(|u| u.uid.as_str()).collect();
            assert_eq!(uids, ["b", "robot-1"]);
        }
        other => panic!("expected start, got {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn a_rejoin_can_land_in_the_same_room_behind_the_bot() {
    let harness = Harness::new();
    let mut a = harness.hello("a").await;
    a.send(ClientCommand::Join).await;
    a.next_start().await; // with robot-1, at 1 s
    let rejoined = Instant::now();
    a.send(ClientCommand::Join).await;
    let (start, at) = a.next_at(rejoined).await;
    assert_eq!(at, Duration::ZERO);
    let ServerEvent::Start { room_users, .. } = start else {
        panic!("expected start, got {start:?}");
    };
    let uids: Vec<_> = room_users.iter().map(|u| u.uid.as_str()).collect();
    assert_eq!(uids, ["robot-1", "a"]);
    assert_eq!(harness.game.stats().rooms, 1);
}

#[tokio::test(start_paused = true)]
async fn rooms_are_dropped_when_empty() {
    let harness = Harness::new();
    let mut a = harness.hello("a").await;
    a.send(ClientCommand::Join).await;
    assert_eq!(harness.game.stats().rooms, 1);
    a.send(ClientCommand::Leave).await;
    assert_eq!(harness.game.stats().rooms, 0);
    // The bot timer of the emptied room does not bring anyone.
    a.quiet_for(Duration::from_secs(5)).await;
    assert_eq!(harness.game.stats().rooms, 0);
    a.send(ClientCommand::Join).await;
    assert_eq!(harness.game.stats().rooms, 1);
    drop(a);
    // The disconnect reaches the matchmaker asynchronously.
    tokio::time::sleep(Duration::from_millis(1)).await;
    assert_eq!(harness.game.stats().rooms, 0);
}

#[tokio::test(start_paused = true)]
async fn a_bot_left_behind_by_a_disconnect_waits_for_the_next_human() {
    let harness = Harness::new();
    let mut a = harness.hello("a").await;
    a.send(ClientCommand::Join).await;
    a.next_start().await;
    drop(a);
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(harness.game.stats().rooms, 1);
    let mut b = harness.hello("b").await;
    let joined = Instant::now();
    b.send(ClientCommand::Join).await;
    let (start, at) = b.next_at(joined).await;
    assert_eq!(at, Duration::ZERO);
    let ServerEvent::Start { room_users, .. } = start else {
        panic!("expected start, got {start:?}");
    };
    assert_eq!(room_users.len(), 2);
    assert_eq!(room_users[0].uid, "robot-1");
    assert_eq!(room_users[1], fresh("b"));
}
