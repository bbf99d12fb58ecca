'use strict';
// The rock-paper-scissors game (spec/originals.md §2) played by the official socket.io client
// 2.x — Engine.IO 3, what the original socket.io 1.x server spoke — through nginx, like a
// mini-program would: handshake, greeting, a game against the robot, two players in one room,
// and leaving; with several ws-game instances (WEAPP_INSTANCES, as scripts/test runs them), a
// player through nginx and one on another instance in one room (the instances are one game
// through Redis).
//
// Tests in this file run one after another (node:test's default within a file): they share
// the server's single room list, so a test that ran alongside another could be paired with
// the other's players.

const test = require('node:test');
const assert = require('node:assert/strict');

const {
    ROBOT_AVATAR,
    ROUND_MARGIN_MS,
    START_TIMEOUT_MS,
    delay,
    INSTANCE_URLS,
    expectedResult,
    instanceStats,
    playersFor,
    stats,
} = require('../lib/player');

const TEST_TIMEOUT_MS = 60_000;
const ROOM_USER_KEYS = ['uid', 'uname', 'uavatar', 'choice', 'roundScore', 'totalScore', 'winStreak'];
const RESULT_KEYS = ['uid', 'roundScore', 'totalScore', 'winStreak', 'choice'];
const SCISSORS = 1;
const ROCK = 2;
const PAPER = 3;

/** How long to wait for a round's `result` after its `start`. */
const roundTimeout = (start) => start.gameTime * 1000 + ROUND_MARGIN_MS;

function assertStart(start) {
    assert.deepEqual(Object.keys(start), ['gameTime', 'roomUsers']);
    assert.ok(Number.isInteger(start.gameTime) && start.gameTime > 0, `gameTime ${start.gameTime}`);
    assert.equal(start.roomUsers.length, 2, `two seats: ${JSON.stringify(start.roomUsers)}`);
    for (const user of start.roomUsers) {
        assert.deepEqual(Object.keys(user), ROOM_USER_KEYS, `roomUser ${JSON.stringify(user)}`);
        assert.equal(user.roundScore, 0, 'roundScore is reset when a round starts');
    }
}

/** `result` as the original computes it from the standings at `start` (the judge rule and the
 * streak multiplier), with one entry per seat in the order of `start`. */
function assertResult(result, start) {
    assert.deepEqual(Object.keys(result), ['result']);
    const entries = result.result;
    for (const entry of entries) {
        assert.deepEqual(Object.keys(entry), RESULT_KEYS, `result entry ${JSON.stringify(entry)}`);
        assert.ok([SCISSORS, ROCK, PAPER].includes(entry.choice), `choice ${entry.choice}`);
    }
    assert.deepEqual(
        entries.map((entry) => entry.uid),
        start.roomUsers.map((user) => user.uid),
        'one entry per seat, in join order',
    );
    assert.deepEqual(entries, expectedResult(start.roomUsers, entries), 'scores follow the judge rule');
}

/** Waits until ws-game has no room open, emptying rooms where only a robot was left behind
 * (robots never leave by themselves: after a player disconnects without `leave`, the next
 * joiner is paired with that robot at once). A sweeper takes such a seat, plays the round
 * out — so that the bot timer its join armed has fired — and leaves; the robot follows. */
async function ensureNoOpenRooms(newPlayer) {
    for (let attempt = 1; attempt <= 5; attempt += 1) {
        const { rooms } = await stats();
        if (rooms === 0) return;
        const sweeper = newPlayer(`sweeper${attempt}`);
        await sweeper.greet();
        sweeper.emit('join');
        const start = await sweeper.next('start', START_TIMEOUT_MS);
        await sweeper.next('result', roundTimeout(start));
        sweeper.emit('leave');
        await delay(200);
        sweeper.close();
        await delay(200);
    }
    const { rooms } = await stats();
    assert.equal(rooms, 0, 'rooms left open by others could not be emptied');
}

test('connect and hello: the server answers hi', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const newPlayer = playersFor(t);
    const player = newPlayer('greeter');
    const hi = await player.greet();
    assert.deepEqual(hi, { message: 'welcome', nearby: 10 });
    assert.equal(player.socket.connected, true);
});

test('one player plays two rounds against the robot', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const newPlayer = playersFor(t);
    await ensureNoOpenRooms(newPlayer);
    const me = newPlayer('solo');
    await me.greet();
    const hands = [ROCK, PAPER];
    let previous = null; // my result entry of the round before
    let robotUid = null;

    for (const [round, hand] of hands.entries()) {
        // A re-join after a result starts the next round (with the same robot: the player
        // leaves the room, and the robot's room is the first one with a free seat).
        me.emit('join');
        const start = await me.next('start', START_TIMEOUT_MS);
        assertStart(start);
        const mine = start.roomUsers.find((user) => user.uid === me.uid);
        const robot = start.roomUsers.find((user) => user.uid !== me.uid);
        assert.ok(mine, `I am in roomUsers: ${JSON.stringify(start.roomUsers)}`);
        assert.deepEqual(
            { uid: mine.uid, uname: mine.uname, uavatar: mine.uavatar },
            me.user,
            'my roomUser carries the user of hello',
        );
        assert.match(robot.uid, /^robot-\d+$/);
        assert.equal(robot.uname, robot.uid);
        assert.equal(robot.uavatar, ROBOT_AVATAR);
        if (previous === null) {
            assert.deepEqual(
                { choice: mine.choice, totalScore: mine.totalScore, winStreak: mine.winStreak },
                { choice: null, totalScore: 0, winStreak: 0 },
                'a new player starts from nothing',
            );
            robotUid = robot.uid;
        } else {
            assert.equal(robot.uid, robotUid, 'round 2 is played against the same robot');
            assert.deepEqual(
                { choice: mine.choice, totalScore: mine.totalScore, winStreak: mine.winStreak },
                { choice: previous.choice, totalScore: previous.totalScore, winStreak: previous.winStreak },
                'standings and the last choice carry over to the next round',
            );
        }

        me.emit('choice', { choice: hand });
        const result = await me.next('result', roundTimeout(start));
        assertResult(result, start);
        const entry = result.result.find((e) => e.uid === me.uid);
        assert.equal(entry.choice, hand, `round ${round + 1}: the hand I played`);
        assert.equal(
            entry.totalScore,
            (previous ? previous.totalScore : 0) + entry.roundScore,
            `round ${round + 1}: totalScore accumulates roundScore`,
        );
        for (const movement of me.received('movement')) {
            assert.deepEqual(movement, { uid: robotUid, movement: 'choice' }, 'only the robot\'s moves reach me');
        }
        previous = entry;
    }

    // Leaving makes the robot leave too; its own leave reaches me (spec §2.4) and the room
    // closes, so no robot is left behind for the tests that follow.
    me.emit('leave');
    assert.deepEqual(await me.next('leave', 3000), { uid: robotUid });
    for (let i = 0; i < 20 && (await stats()).rooms !== 0; i += 1) await delay(100);
    assert.equal((await stats()).rooms, 0, 'the room closed once the player and its robot left');
});

test('two players share a room, see each other move, get the same result, and leave', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const newPlayer = playersFor(t);
    await ensureNoOpenRooms(newPlayer);
    const a = newPlayer('alice');
    const b = newPlayer('bob');
    await Promise.all([a.greet(), b.greet()]);
    await playTogether(a, b);
});

test('across instances: a player through nginx and one on another instance share a room', {
    timeout: TEST_TIMEOUT_MS,
    skip: INSTANCE_URLS.length < 2 && 'one ws-game instance (WEAPP_INSTANCES=1)',
}, async (t) => {
    const newPlayer = playersFor(t);
    await ensureNoOpenRooms(newPlayer);
    // A comes through nginx, which picks an instance; its players count tells which.
    const before = await instanceStats();
    const a = newPlayer('carol');
    await a.greet();
    const after = await instanceStats();
    const grew = after.map((one, i) => one.players - before[i].players);
    const home = grew.indexOf(1);
    assert.ok(home >= 0 && grew.filter((n) => n !== 0).length === 1, `one instance holds carol: ${grew}`);
    // B goes straight to another instance.
    const other = INSTANCE_URLS[(home + 1) % INSTANCE_URLS.length];
    const b = newPlayer('dave', other);
    await b.greet();
    const placed = await instanceStats();
    assert.equal(placed[(home + 1) % INSTANCE_URLS.length].players - after[(home + 1) % INSTANCE_URLS.length].players, 1, 'dave is on the other instance');
    await playTogether(a, b);
});

/** Two greeted players join, play one round (A rock, B scissors) and A leaves: the start, the
 * movements, the result and the leave as the original server sends them. */
async function playTogether(a, b) {
    // Both join well within the server's bot delay, so no robot takes the second seat.
    a.emit('join');
    b.emit('join');
    const [startA, startB] = await Promise.all([
        a.next('start', START_TIMEOUT_MS),
        b.next('start', START_TIMEOUT_MS),
    ]);
    assertStart(startA);
    assert.deepEqual(startB, startA, 'both players get the same start');
    assert.deepEqual(
        startA.roomUsers.map((user) => user.uid).sort(),
        [a.uid, b.uid].sort(),
        'the room holds exactly the two players',
    );
    for (const player of [a, b]) {
        const user = startA.roomUsers.find((u) => u.uid === player.uid);
        assert.deepEqual(
            { uid: user.uid, uname: user.uname, uavatar: user.uavatar },
            player.user,
        );
    }

    // A plays rock: B sees that A moved (not what); then B plays scissors: A sees B move.
    a.emit('choice', { choice: ROCK });
    assert.deepEqual(await b.next('movement'), { uid: a.uid, movement: 'choice' });
    b.emit('choice', { choice: SCISSORS });
    assert.deepEqual(await a.next('movement'), { uid: b.uid, movement: 'choice' });

    const [resultA, resultB] = await Promise.all([
        a.next('result', roundTimeout(startA)),
        b.next('result', roundTimeout(startA)),
    ]);
    assert.deepEqual(resultB, resultA, 'both players get the same result');
    assertResult(resultA, startA);
    const byUid = new Map(resultA.result.map((entry) => [entry.uid, entry]));
    assert.deepEqual(byUid.get(a.uid), { uid: a.uid, roundScore: 1, totalScore: 1, winStreak: 1, choice: ROCK });
    assert.deepEqual(byUid.get(b.uid), { uid: b.uid, roundScore: 0, totalScore: 0, winStreak: 0, choice: SCISSORS });

    // Movements go to the other members only: over the whole round, each player saw exactly
    // the other's one move and never its own.
    assert.deepEqual(a.received('movement'), [{ uid: b.uid, movement: 'choice' }]);
    assert.deepEqual(b.received('movement'), [{ uid: a.uid, movement: 'choice' }]);

    // A leaves: B is told, A is not.
    a.emit('leave');
    assert.deepEqual(await b.next('leave'), { uid: a.uid });
    await delay(300);
    assert.deepEqual(a.received('leave'), [], 'the leaver gets no leave of its own');
    assert.deepEqual(b.received('leave'), [{ uid: a.uid }]);
}
