// Rock-paper-scissors in the browser over the JSON WebSocket framing (proto/ws-game.md),
// through nginx: ws:// under HTTP as a guest, wss:// under HTTPS when logged in. A lone player
// gets the robot; both avatars show, the robot's turns on `movement`, the countdown runs, the
// result shows round score, total and streak consistent with the judge rule; "again" starts
// the next round and "leave" leaves. One file, one round at a time: two tests playing at once
// would be paired with each other instead of the robot.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, TLS_BASE_URL, launch, login, phone, screenshot } from './lib/browser.js';
import { judge } from '../public/js/game/rules.js';

/** Longest wait for a round's result: the protocol's 3 s rounds, the robot's 1 s, margin. */
const ROUND_MS = 15_000;
const OUTCOME = { win: '你赢了 You win', lose: '你输了 You lose', draw: '平局 Draw' };
const ROCK = 2;

/** The text of the result table's cells for one row ("Me" first, then the opponent). */
function scoreRow(page, index) {
    return page.locator('.scores tbody tr').nth(index).locator('td').evaluateAll((cells) =>
        Object.fromEntries(cells.filter((cell) => cell.dataset.field).map((cell) => [cell.dataset.field, Number(cell.textContent)])));
}

async function playRound(base, { tls, user, shots }) {
    const browser = await launch({ tls });
    try {
        const { page, errors } = await phone(browser);
        if (user) await login(page, base, user);
        await page.goto(`${base}/#/game`);
        await page.getByRole('button', { name: '开始 Play' }).click();

        const room = page.getByRole('region', { name: '房间 Room' });
        await room.waitFor({ timeout: ROUND_MS });
        const opponent = room.getByRole('figure', { name: '对手 Opponent' });
        const opponentName = await opponent.locator('.player-name').textContent();
        assert.match(opponentName, /^robot-\d+$/, 'a lone player gets the robot');
        const me = room.getByRole('figure', { name: '我 Me' });
        if (user) assert.equal(await me.locator('.player-name').textContent(), user);
        const countdown = Number(await page.getByRole('timer').textContent());
        assert.ok(countdown >= 0 && countdown <= 3, `countdown ${countdown}`);

        await page.getByRole('button', { name: '石头 Rock' }).click();
        assert.equal(await page.getByRole('button', { name: '石头 Rock' }).getAttribute('aria-pressed'), 'true');
        // The robot chooses 10 ms after start: its avatar turns on that movement.
        await page.locator('figure[aria-label="对手 Opponent"][data-moved="true"]').waitFor({ timeout: ROUND_MS });
        if (shots) await screenshot(page, 'game-room');

        const result = page.getByRole('region', { name: '结果 Result' });
        await result.waitFor({ timeout: ROUND_MS });
        const mine = await scoreRow(page, 0);
        const theirs = await scoreRow(page, 1);
        const robotHand = await page.locator('.scores tbody tr').nth(1).locator('td').first().textContent();
        const robotChoice = { '✌️': 1, '✊': 2, '✋': 3 }[robotHand];
        assert.ok(robotChoice, `the robot's hand is shown: ${robotHand}`);
        const verdict = judge(ROCK, robotChoice);
        assert.equal(await result.getByRole('heading').textContent(), OUTCOME[verdict]);
        // First round of a fresh player: a win scores 1 with streak 1, anything else 0.
        const expected = verdict === 'win' ? { roundScore: 1, totalScore: 1, winStreak: 1 } : { roundScore: 0, totalScore: 0, winStreak: 0 };
        assert.deepEqual(mine, expected);
        for (const value of Object.values(theirs)) assert.ok(Number.isInteger(value));
        if (shots) await screenshot(page, 'game-result');

        // Again: the next round starts (the robot still sits there), then leave.
        await page.getByRole('button', { name: '再来一局 Again' }).click();
        await page.waitForFunction(() => document.querySelector('.page').dataset.phase === 'playing', null, { timeout: ROUND_MS });
        await result.waitFor({ state: 'hidden' });
        await page.getByRole('button', { name: '离开 Leave' }).click();
        await page.getByRole('button', { name: '开始 Play' }).waitFor();
        assert.equal(await page.getByRole('alert').count(), 0, 'leaving is not an error');
        assert.deepEqual(errors, []);
    } finally {
        await browser.close();
    }
}

test('a guest plays a round against the robot over ws://', () => playRound(BASE_URL, { tls: false, shots: true }));

test('a logged-in player plays a round against the robot over wss://', () =>
    playRound(TLS_BASE_URL, { tls: true, user: 'dave', shots: false }));
