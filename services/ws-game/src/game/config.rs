//! The engine's rules and timings, with the original server's constants as defaults
//! (`spec/originals.md` §2.3–2.4).

use std::time::Duration;

/// The bot's avatar in the original `robot.ts` (§2.4).
pub const ORIGINAL_BOT_AVATAR: &str =
    "http://www.scoutiegirl.com/wp-content/uploads/2015/06/Blue-Robot.png";

/// Rules and timings of the game. The service builds it from its configuration; `Default` is
/// the original server's constants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GameConfig {
    /// How long a round lasts (`GAME_TIME` = 3 s). `start` carries it in whole seconds, rounded
    /// up so a sub-second round (tests) never announces 0.
    pub game_time: Duration,
    /// After every join, a bot fills the room if it still has a free seat this much later
    /// (the original's 1000 ms `setTimeout` in `addClient`).
    pub bot_delay: Duration,
    /// The constant `nearby` in `hi` (10).
    pub nearby: u32,
    /// Players per room (`MAX_ROOT_MEMBER` = 2). At least 2 (see [`GameConfig::validate`]).
    pub room_capacity: usize,
    /// The bots' `uavatar`.
    pub bot_avatar: String,
    /// A bot's first choice comes this long after `start` (10 ms).
    pub bot_first_choice: Duration,
    /// Then a bot chooses again after a random pause in `[min, max)` (100..4100 ms), until the
    /// round ends.
    pub bot_choice_interval: (Duration, Duration),
    /// Seed of the bots' random choices and pauses; `None` seeds from the OS. Set it in tests
    /// for deterministic bots (each room derives its own generator from it).
    pub rng_seed: Option<u64>,
}

impl Default for GameConfig {
    fn default() -> Self {
        Self {
            game_time: Duration::from_secs(3),
            bot_delay: Duration::from_secs(1),
            nearby: 10,
            room_capacity: 2,
            bot_avatar: ORIGINAL_BOT_AVATAR.to_owned(),
            bot_first_choice: Duration::from_millis(10),
            bot_choice_interval: (Duration::from_millis(100), Duration::from_millis(4100)),
            rng_seed: None,
        }
    }
}

/// A [`GameConfig`] value the engine cannot work with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// `room_capacity` below 2: a round needs two hands.
    #[error("room_capacity must be at least 2, got {0}")]
    RoomCapacity(usize),
    /// `game_time` of zero: rounds would end before anyone could choose.
    #[error("game_time must be above 0")]
    GameTime,
    /// `bot_choice_interval` whose minimum exceeds its maximum.
    #[error("bot_choice_interval minimum {min:?} exceeds its maximum {max:?}")]
    BotChoiceInterval {
        /// The lower bound given.
        min: Duration,
        /// The upper bound given.
        max: Duration,
    },
}

impl GameConfig {
    /// Checks the values the engine relies on; call it at start-up to fail fast.
    ///
    /// # Errors
    /// [`ConfigError`] naming the first offending field. The engine itself never panics on a
    /// bad value (capacity below 2 is treated as 2, an inverted interval as its minimum).
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.room_capacity < 2 {
            return Err(ConfigError::RoomCapacity(self.room_capacity));
        }
        if self.game_time.is_zero() {
            return Err(ConfigError::GameTime);
        }
        let (min, max) = self.bot_choice_interval;
        if min > max {
            return Err(ConfigError::BotChoiceInterval { min, max });
        }
        Ok(())
    }

    /// Seats per room as the engine uses it (never below 2).
    pub(crate) fn capacity(&self) -> usize {
        self.room_capacity.max(2)
    }

    /// `gameTime` of `start`: whole seconds, rounded up.
    pub(crate) fn game_time_secs(&self) -> u64 {
        let secs = self.game_time.as_secs();
        if self.game_time.subsec_nanos() > 0 {
            secs + 1
        } else {
            secs
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_original_constants() {
        let config = GameConfig::default();
        assert_eq!(config.game_time, Duration::from_secs(3));
        assert_eq!(config.game_time_secs(), 3);
        assert_eq!(config.bot_delay, Duration::from_millis(1000));
        assert_eq!(config.nearby, 10);
        assert_eq!(config.room_capacity, 2);
        assert_eq!(config.bot_avatar, ORIGINAL_BOT_AVATAR);
        assert_eq!(config.bot_first_choice, Duration::from_millis(10));
        assert_eq!(
            config.bot_choice_interval,
            (Duration::from_millis(100), Duration::from_millis(4100))
        );
        assert_eq!(config.validate(), Ok(()));
    }

    #[test]
    fn validate_names_the_offending_field() {
        let small = GameConfig {
            room_capacity: 1,
            ..GameConfig::default()
        };
        assert_eq!(small.validate(), Err(ConfigError::RoomCapacity(1)));
        assert!(
            small
                .validate()
                .is_err_and(|e| e.to_string().contains("room_capacity"))
        );
        let instant = GameConfig {
            game_time: Duration::ZERO,
            ..GameConfig::default()
        };
        assert_eq!(instant.validate(), Err(ConfigError::GameTime));
        let inverted = GameConfig {
            bot_choice_interval: (Duration::from_secs(2), Duration::from_secs(1)),
            ..GameConfig::default()
        };
        assert!(matches!(
            inverted.validate(),
            Err(ConfigError::BotChoiceInterval { .. })
        ));
    }

    #[test]
    fn sub_second_game_time_is_announced_rounded_up() {
        let config = GameConfig {
            game_time: Duration::from_millis(200),
            ..GameConfig::default()
        };
        assert_eq!(config.game_time_secs(), 1);
    }
}
