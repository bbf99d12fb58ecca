// The rules the game page uses to describe a result (public/js/game/rules.js), against
// proto/ws-game.md's judge: rock beats scissors, paper beats rock, scissors beat paper,
// a missing hand loses, equal hands draw.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { entriesFor, hand, judge } from '../../public/js/game/rules.js';

const SCISSORS = 1;
const ROCK = 2;
const PAPER = 3;

test('every pair of hands', () => {
    assert.equal(judge(ROCK, SCISSORS), 'win');
    assert.equal(judge(PAPER, ROCK), 'win');
    assert.equal(judge(SCISSORS, PAPER), 'win');
    assert.equal(judge(SCISSORS, ROCK), 'lose');
    assert.equal(judge(ROCK, PAPER), 'lose');
    assert.equal(judge(PAPER, SCISSORS), 'lose');
    for (const same of [SCISSORS, ROCK, PAPER]) assert.equal(judge(same, same), 'draw');
});

test('a missing hand loses to any hand; two missing draw', () => {
    assert.equal(judge(null, ROCK), 'lose');
    assert.equal(judge(PAPER, null), 'win');
    assert.equal(judge(null, null), 'draw');
});

test('hands by number', () => {
    assert.equal(hand(ROCK).name, '石头 Rock');
    assert.equal(hand(null), null);
    assert.equal(hand(4), null);
});

test('result entries by uid', () => {
    const result = { result: [
        { uid: 'robot-1', roundScore: 1, totalScore: 1, winStreak: 1, choice: PAPER },
        { uid: 'me', roundScore: 0, totalScore: 0, winStreak: 0, choice: ROCK },
    ] };
    assert.equal(entriesFor(result, 'me').me.choice, ROCK);
    assert.equal(entriesFor(result, 'me').opponent.uid, 'robot-1');
    assert.equal(entriesFor(result, 'nobody').me, null);
});
