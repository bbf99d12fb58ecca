//! The bot that fills an empty seat (`spec/originals.md` §2.4, the original `robot.ts`): who
//! it is, and its random hands and pauses. Its behaviour in a room (choosing during a round,
//! leaving when someone leaves) lives in the room task, which owns its timers.

use std::time::Duration;

use rand::{Rng, SeedableRng, rngs::StdRng};

use crate::protocol::{Choice, User};

/// Bot number `n` (from 1): uid = uname = `robot-{n}`, the configured avatar.
pub(crate) fn bot_user(n: u64, avatar: &str) -> User {
    let name = format!("robot-{n}");
    User {
        uid: name.clone(),
        uname: name,
        uavatar: avatar.to_owned(),
    }
}

/// The random generator of one room's bots: derived from the configured seed and the room
/// number (deterministic in tests), or from the OS.
pub(crate) fn room_rng(seed: Option<u64>, room: u64) -> StdRng {
    match seed {
        Some(seed) => StdRng::seed_from_u64(seed.wrapping_add(room)),
        None => StdRng::from_os_rng(),
    }
}

/// A uniformly random hand.
pub(crate) fn random_choice(rng: &mut impl Rng) -> Choice {
    match rng.random_range(1..=3) {
        1 => Choice::Scissors,
        2 => Choice::Rock,
        _ => Choice::Paper,
    }
}

/// The shortest pause between two choices of a bot, so a zero interval cannot make a bot
/// choose again and again at the same instant.
const SHORTEST_PAUSE: Duration = Duration::from_millis(1);

/// A random pause in `[min, max)`; `min` when the range is empty; never below 1 ms.
pub(crate) fn random_pause(rng: &mut impl Rng, (min, max): (Duration, Duration)) -> Duration {
    let pause = if min < max {
        rng.random_range(min..max)
    } else {
        min
    };
    pause.max(SHORTEST_PAUSE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bots_are_named_robot_n() {
        let user = bot_user(3, "http://a/bot.png");
        assert_eq!(user.uid, "robot-3");
        assert_eq!(user.uname, "robot-3");
        assert_eq!(user.uavatar, "http://a/bot.png");
    }

    #[test]
    fn pauses_stay_in_their_window_and_choices_cover_all_hands() {
        let mut rng = room_rng(Some(1), 0);
        let window = (Duration::from_millis(100), Duration::from_millis(4100));
        let mut seen = [false; 3];
        for _ in 0..1000 {
            let pause = random_pause(&mut rng, window);
            assert!(pause >= window.0 && pause < window.1, "{pause:?}");
            seen[usize::from(random_choice(&mut rng).number()) - 1] = true;
        }
        assert_eq!(seen, [true; 3]);
        let empty = (Duration::from_millis(5), Duration::from_millis(5));
        assert_eq!(random_pause(&mut rng, empty), Duration::from_millis(5));
        let zero = (Duration::ZERO, Duration::ZERO);
        assert_eq!(random_pause(&mut rng, zero), SHORTEST_PAUSE);
    }

    #[test]
    fn a_seed_makes_bots_repeatable() {
        let mut a = room_rng(Some(9), 4);
        let mut b = room_rng(Some(9), 4);
        for _ in 0..10 {
            assert_eq!(random_choice(&mut a), random_choice(&mut b));
        }
    }
}
