//! The rules of a round as pure functions: who beats whom, and how a round's points and win
//! streaks are counted (`spec/originals.md` §2.4; the original `game.ts` `judge` and
//! `room.ts` `finishGame`).

use std::cmp::Ordering;

use crate::protocol::Choice;

/// One player's game state. It belongs to the player, not to a room: like the original's
/// `client.gameData`, it carries over when the player re-joins another room.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GameData {
    /// The last hand chosen; kept across rounds, `None` until the first choice.
    pub choice: Option<Choice>,
    /// Points of the current round (reset to 0 when a round starts), already multiplied by the
    /// streak once the round is scored.
    pub round_score: i64,
    /// Sum of all round scores.
    pub total_score: i64,
    /// Consecutive won rounds; a draw keeps it, a loss resets it.
    pub win_streak: i64,
}

/// Judges two hands: [`Ordering::Greater`] if `first` wins, `Less` if `second` wins, `Equal` for
/// a draw.
///
/// Equal hands draw; a missing hand loses to any hand and two missing hands draw; otherwise
/// `first` wins iff `(c1 − c2 + 3) mod 3 == 1` with 1 scissors, 2 rock, 3 paper
/// (rock beats scissors, paper beats rock, scissors beat paper).
pub fn judge(first: Option<Choice>, second: Option<Choice>) -> Ordering {
    match (first, second) {
        (None, None) => Ordering::Equal,
        (Some(_), None) => Ordering::Greater,
        (None, Some(_)) => Ordering::Less,
        (Some(a), Some(b)) if a == b => Ordering::Equal,
        (Some(a), Some(b)) => {
            if (a.number() + 3 - b.number()) % 3 == 1 {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
    }
}

/// Scores one round for the players of a room, in join order.
///
/// `round_score` restarts from 0. Every pair is judged: the winner gains 1, the loser loses 1.
/// Then per player: a positive round score adds one to the streak and is multiplied by it; a
/// negative one becomes 0 and resets the streak; 0 (a draw) leaves the streak as it was.
/// Finally `total_score += round_score`. Choices are left as they are (they persist).
pub fn score_round(players: &mut [GameData]) {
    for player in players.iter_mut() {
        player.round_score = 0;
    }
    for i in 0..players.len() {
        for j in i + 1..players.len() {
            match judge(players[i].choice, players[j].choice) {
                Ordering::Greater => {
                    players[i].round_score += 1;
                    players[j].round_score -= 1;
                }
                Ordering::Less => {
                    players[i].round_score -= 1;
                    players[j].round_score += 1;
                }
                Ordering::Equal => {}
            }
        }
    }
    for player in players.iter_mut() {
        match player.round_score.cmp(&0) {
            Ordering::Greater => {
                player.win_streak += 1;
                player.round_score *= player.win_streak;
            }
            Ordering::Less => {
                player.round_score = 0;
                player.win_streak = 0;
            }
            Ordering::Equal => {}
        }
        player.total_score += player.round_score;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Choice::{Paper, Rock, Scissors};

    fn with(choice: Option<Choice>) -> GameData {
        GameData {
            choice,
            ..GameData::default()
        }
    }

    /// `(round_score, total_score, win_streak)`.
    fn line(data: &GameData) -> (i64, i64, i64) {
        (data.round_score, data.total_score, data.win_streak)
    }

    #[test]
    fn judge_all_nine_pairs() {
        let cases = [
            (Scissors, Scissors, Ordering::Equal),
            (Scissors, Rock, Ordering::Less),
            (Scissors, Paper, Ordering::Greater),
            (Rock, Scissors, Ordering::Greater),
            (Rock, Rock, Ordering::Equal),
            (Rock, Paper, Ordering::Less),
            (Paper, Scissors, Ordering::Less),
            (Paper, Rock, Ordering::Greater),
            (Paper, Paper, Ordering::Equal),
        ];
        for (first, second, expected) in cases {
            assert_eq!(
                judge(Some(first), Some(second)),
                expected,
                "{first:?} vs {second:?}"
            );
        }
    }

    #[test]
    fn judge_missing_hand_loses_and_two_missing_draw() {
        for hand in [Scissors, Rock, Paper] {
            assert_eq!(judge(Some(hand), None), Ordering::Greater);
            assert_eq!(judge(None, Some(hand)), Ordering::Less);
        }
        assert_eq!(judge(None, None), Ordering::Equal);
    }

    #[test]
    fn first_win_scores_one_one_one() {
        let mut players = [with(Some(Rock)), with(Some(Scissors))];
        score_round(&mut players);
        assert_eq!(line(&players[0]), (1, 1, 1));
        assert_eq!(line(&players[1]), (0, 0, 0));
    }

    #[test]
    fn second_consecutive_win_doubles() {
        let mut players = [with(Some(Paper)), with(Some(Rock))];
        score_round(&mut players);
        score_round(&mut players);
        assert_eq!(line(&players[0]), (2, 3, 2));
        assert_eq!(line(&players[1]), (0, 0, 0));
    }

    #[test]
    fn draw_keeps_the_streak() {
        let mut players = [with(Some(Rock)), with(Some(Scissors))];
        score_round(&mut players);
        players[1].choice = Some(Rock);
        score_round(&mut players);
        assert_eq!(line(&players[0]), (0, 1, 1));
        players[1].choice = Some(Scissors);
        score_round(&mut players);
        assert_eq!(line(&players[0]), (2, 3, 2));
    }

    #[test]
    fn loss_resets_the_streak() {
        let mut players = [with(Some(Rock)), with(Some(Scissors))];
        score_round(&mut players);
        score_round(&mut players);
        players[1].choice = Some(Paper);
        score_round(&mut players);
        assert_eq!(line(&players[0]), (0, 3, 0));
        assert_eq!(line(&players[1]), (1, 1, 1));
    }

    #[test]
    fn no_choice_loses() {
        let mut players = [with(None), with(Some(Paper))];
        score_round(&mut players);
        assert_eq!(line(&players[0]), (0, 0, 0));
        assert_eq!(line(&players[1]), (1, 1, 1));
    }

    #[test]
    fn two_missing_choices_draw() {
        let mut players = [with(None), with(None)];
        score_round(&mut players);
        assert_eq!(line(&players[0]), (0, 0, 0));
        assert_eq!(line(&players[1]), (0, 0, 0));
    }

    #[test]
    fn round_score_restarts_from_zero_and_choices_persist() {
        let mut players = [with(Some(Rock)), with(Some(Scissors))];
        players[0].round_score = 7;
        score_round(&mut players);
        assert_eq!(players[0].round_score, 1);
        assert_eq!(players[0].choice, Some(Rock));
        assert_eq!(players[1].choice, Some(Scissors));
    }

    #[test]
    fn every_pair_is_judged_in_a_larger_room() {
        // Rock beats both scissors; the scissors draw with each other.
        let mut players = [with(Some(Rock)), with(Some(Scissors)), with(Some(Scissors))];
        score_round(&mut players);
        assert_eq!(line(&players[0]), (2, 2, 1));
        assert_eq!(line(&players[1]), (0, 0, 0));
        assert_eq!(line(&players[2]), (0, 0, 0));
    }
}
