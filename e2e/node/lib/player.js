'use strict';
// Shared by the socket.io end-to-end tests: a player on the official socket.io-client 2.x
// (Engine.IO 3, the protocol of the original socket.io 1.x server), connected through nginx,
// that records every server event so tests can wait for one — always with a timeout — or
// check that one never came.

const io = require('socket.io-client');

/** nginx of the local stack (scripts/test exports WEAPP_BASE_URL). */
const BASE_URL = (process.env.WEAPP_BASE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
/** Where the game's socket.io lives behind nginx (the original `rootPath`). */
const SOCKET_PATH = '/applet/websocket/socket.io';
/** Plain-HTTP counters of ws-game, also behind nginx. */
const STATS_URL = `${BASE_URL}/applet/websocket/stats`;
/** The original robot's avatar (`server/game/robot.ts`). */
const ROBOT_AVATAR = 'http://www.scoutiegirl.com/wp-content/uploads/2015/06/Blue-Robot.png';

/** Every event the server sends (spec/originals.md §2.3). */
const SERVER_EVENTS = ['hi', 'start', 'movement', 'result', 'leave'];

/** Waits, in ms: connecting, a direct answer, and `start` (the server's bot delay is 1 s by
 * default; a lone player is paired with a robot after it). `result` waits for the round's
 * announced `gameTime` plus ROUND_MARGIN_MS. */
const CONNECT_TIMEOUT_MS = 5000;
const ANSWER_TIMEOUT_MS = 3000;
const START_TIMEOUT_MS = 5000;
const ROUND_MARGIN_MS = 3000;

let counter = 0;

/** A fresh uid in the original client's style (base 36), unique per test run. */
function newUid(label) {
    counter += 1;
    return `e2e-${label}-${Date.now().toString(36)}${counter}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** ws-game's instances, each reached directly (not through nginx): the ports of
 * WEAPP_WS_GAME_PORTS (scripts/test exports them; one per instance of WEAPP_INSTANCES). */
const INSTANCE_URLS = (process.env.WEAPP_WS_GAME_PORTS || '9595')
    .split(/\s+/)
    .filter((port) => port !== '')
    .map((port) => `http://127.0.0.1:${port}`);

class Player {
    /** Opens a socket.io connection to `baseUrl` (nginx unless told otherwise; not connected
     * yet: see `connect`). */
    constructor(label, baseUrl = BASE_URL) {
        this.label = label;
        this.user = {
            uid: newUid(label),
            uname: `e2e ${label}`,
            uavatar: `https://example.com/avatars/${label}.png`,
        };
        /** Every event received, in order: {name, data, at}. */
        this.log = [];
        /** Received and not yet taken by `next`. */
        this.queue = [];
        /** Pending `next` calls: {name, match, resolve}. */
        this.waiters = [];
        this.disconnectReason = null;
        this.socket = io(baseUrl, {
            path: SOCKET_PATH,
            transports: ['websocket'],
            forceNew: true, // one engine.io connection per player, never multiplexed
            reconnection: false,
            timeout: CONNECT_TIMEOUT_MS,
        });
        for (const name of SERVER_EVENTS) {
            this.socket.on(name, (...args) => this.record(name, args));
        }
        this.socket.on('disconnect', (reason) => {
            this.disconnectReason = reason;
            for (const waiter of this.waiters.splice(0)) {
                waiter.fail(new Error(`${this.label}: disconnected (${reason}) while waiting for '${waiter.name}'`));
            }
        });
    }

    get uid() {
        return this.user.uid;
    }

    record(name, args) {
        const event = { name, data: args.length === 1 ? args[0] : args, at: Date.now() };
        this.log.push(event);
        const index = this.waiters.findIndex((waiter) => waiter.name === name && waiter.match(event.data));
        if (index >= 0) {
            const [waiter] = this.waiters.splice(index, 1);
            waiter.resolve(event.data);
        } else {
            this.queue.push(event);
        }
    }

    /** Resolves once the socket.io CONNECT (`40`) arrived. */
    connect() {
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => {
                cleanup();
                reject(new Error(`${this.label}: no socket.io connect within ${CONNECT_TIMEOUT_MS} ms`));
            }, CONNECT_TIMEOUT_MS);
            const onConnect = () => {
                cleanup();
                resolve();
            };
            const onError = (error) => {
                cleanup();
                reject(new Error(`${this.label}: connect failed: ${error && error.message ? error.message : error}`));
            };
            const cleanup = () => {
                clearTimeout(timer);
                this.socket.off('connect', onConnect);
                this.socket.off('connect_error', onError);
                this.socket.off('connect_timeout', onError);
                this.socket.off('error', onError);
            };
            if (this.socket.connected) {
                cleanup();
                resolve();
                return;
            }
            this.socket.on('connect', onConnect);
            this.socket.on('connect_error', onError);
            this.socket.on('connect_timeout', onError);
            this.socket.on('error', onError);
        });
    }

    emit(name, ...args) {
        this.socket.emit(name, ...args);
    }

    /** The next not-yet-taken event `name` whose payload satisfies `match`, within `timeoutMs`. */
    next(name, timeoutMs = ANSWER_TIMEOUT_MS, match = () => true) {
        const index = this.queue.findIndex((event) => event.name === name && match(event.data));
        if (index >= 0) {
            const [event] = this.queue.splice(index, 1);
            return Promise.resolve(event.data);
        }
        if (this.disconnectReason !== null) {
            return Promise.reject(new Error(`${this.label}: disconnected (${this.disconnectReason}); no '${name}'`));
        }
        return new Promise((resolve, reject) => {
            const waiter = { name, match };
            const timer = setTimeout(() => {
                this.waiters.splice(this.waiters.indexOf(waiter), 1);
                const seen = this.log.map((event) => `${event.name} ${JSON.stringify(event.data)}`);
                reject(new Error(`${this.label}: no '${name}' within ${timeoutMs} ms; received so far:\n  ${seen.join('\n  ') || '(nothing)'}`));
            }, timeoutMs);
            waiter.resolve = (data) => {
                clearTimeout(timer);
                resolve(data);
            };
            waiter.fail = (error) => {
                clearTimeout(timer);
                reject(error);
            };
            this.waiters.push(waiter);
        });
    }

    /** Every event `name` received so far (taken or not). */
    received(name) {
        return this.log.filter((event) => event.name === name).map((event) => event.data);
    }

    /** Drops the events received so far that no `next` took. */
    clearQueue() {
        this.queue.length = 0;
    }

    /** connect → hello → hi; resolves with the hi payload. */
    async greet() {
        await this.connect();
        this.emit('hello', { user: this.user });
        return this.next('hi');
    }

    close() {
        for (const waiter of this.waiters.splice(0)) {
            waiter.fail(new Error(`${this.label}: closed while waiting for '${waiter.name}'`));
        }
        this.socket.close();
    }
}

/** Opens players and closes them all when the test ends, passed or failed. */
function playersFor(t) {
    const players = [];
    t.after(() => {
        for (const player of players) player.close();
    });
    return (label, baseUrl = BASE_URL) => {
        const player = new Player(label, baseUrl);
        players.push(player);
        return player;
    };
}

async function getJson(url) {
    const response = await fetch(url, { signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
    return response.json();
}

/** Each instance's own counters ({connections, players, rooms, rounds, …}), in the order of
 * INSTANCE_URLS. */
function instanceStats() {
    return Promise.all(INSTANCE_URLS.map((url) => getJson(`${url}/applet/websocket/stats`)));
}

/** ws-game's counters ({connections, players, rooms, rounds}): through nginx with one instance;
 * with several, the sum of every instance's own (nginx would answer from any one of them; a
 * room is counted by the instance that runs it). */
async function stats() {
    if (INSTANCE_URLS.length < 2) return getJson(STATS_URL);
    const all = await instanceStats();
    const sum = {};
    for (const key of ['connections', 'players', 'rooms', 'rounds']) {
        sum[key] = all.reduce((total, one) => total + one[key], 0);
    }
    return sum;
}

/** The original judge (`game.ts`): 1 if `mine` beats `theirs`, -1 if it loses, 0 on a draw.
 * 1 scissors, 2 rock, 3 paper; no choice (null) loses to any choice. */
function judge(mine, theirs) {
    if (mine === theirs) return 0;
    if (mine === null) return -1;
    if (theirs === null) return 1;
    return (mine - theirs + 3) % 3 === 1 ? 1 : -1;
}

/** The result the original `finishGame` computes from the players' standings at `start`
 * (`roomUsers`: totalScore, winStreak) and the choices shown in `result`. */
function expectedResult(roomUsers, result) {
    const choices = new Map(result.map((entry) => [entry.uid, entry.choice]));
    return roomUsers.map((user) => {
        const mine = choices.get(user.uid);
        let roundScore = 0;
        for (const other of roomUsers) {
            if (other.uid !== user.uid) roundScore += judge(mine, choices.get(other.uid));
        }
        let winStreak = user.winStreak;
        if (roundScore > 0) {
            winStreak += 1;
            roundScore *= winStreak;
        } else if (roundScore < 0) {
            roundScore = 0;
            winStreak = 0;
        }
        return { uid: user.uid, roundScore, totalScore: user.totalScore + roundScore, winStreak, choice: mine };
    });
}

module.exports = {
    ANSWER_TIMEOUT_MS,
    BASE_URL,
    INSTANCE_URLS,
    ROBOT_AVATAR,
    ROUND_MARGIN_MS,
    SOCKET_PATH,
    START_TIMEOUT_MS,
    Player,
    delay,
    expectedResult,
    instanceStats,
    judge,
    playersFor,
    stats,
};
