// 剪刀石头布 Rock-paper-scissors over the JSON WebSocket framing (proto/ws-game.md): hello →
// hi → join → start (both avatars, a gameTime countdown) → choice; the opponent's avatar turns
// on `movement`; result with round score, total and streak; "again" joins the next round,
// "leave" leaves the room. A lone player gets the robot after about a second.

import { h, alertBox, say, avatarImg, messageOf } from '../dom.js';
import { currentSession } from '../session.js';
import { avatarUrl, randomHex } from '../users.js';
import { GameSocket } from '../game/socket.js';
import { HANDS, hand, judge, entriesFor } from '../game/rules.js';

const OUTCOME = { win: '你赢了 You win', lose: '你输了 You lose', draw: '平局 Draw' };

function playerCard(label) {
    const picture = avatarImg('', '', 'img/avatars/robot.svg');
    const name = h('span', { class: 'player-name' });
    const total = h('span', { class: 'player-total' });
    const figure = h('figure', { class: 'player', 'aria-label': label },
        h('div', { class: 'flipper' }, picture), h('figcaption', {}, name, total));
    return {
        figure,
        set(user) {
            figure.hidden = !user;
            if (!user) return;
            if (picture.getAttribute('src') !== user.uavatar) picture.src = user.uavatar || 'img/avatars/robot.svg';
            picture.alt = user.uname;
            name.textContent = user.uname;
            figure.dataset.uid = user.uid;
            total.textContent = ` · 总分 ${user.totalScore}`;
        },
        moved(flag) {
            figure.classList.toggle('moved', flag);
            figure.dataset.moved = flag ? 'true' : 'false';
        },
    };
}

export function mount(root) {
    const session = currentSession();
    const name = session?.name ?? 'guest';
    const me = { uid: `${name}-${randomHex(4)}`, uname: session ? name : `访客 guest`, uavatar: avatarUrl(name) };

    let socket = null;
    let opponentUid = null;
    let countdownTimer = null;
    let leaving = false;

    const problem = alertBox();
    const phase = h('p', { class: 'phase', role: 'status', 'aria-live': 'polite' });
    const countdown = h('p', { class: 'countdown', role: 'timer', 'aria-label': '倒计时 Countdown' });
    const mine = playerCard('我 Me');
    const theirs = playerCard('对手 Opponent');
    const arena = h('section', { class: 'arena', 'aria-label': '房间 Room', hidden: true },
        mine.figure, h('div', { class: 'versus' }, 'VS', countdown), theirs.figure);
    const hands = HANDS.map((entry) => {
        const button = h('button', { type: 'button', class: 'hand', 'aria-pressed': 'false', disabled: true,
            'aria-label': entry.name, 'data-choice': entry.choice },
        h('span', { 'aria-hidden': 'true' }, entry.symbol), h('small', {}, entry.name));
        button.addEventListener('click', () => choose(entry.choice));
        return button;
    });
    const handGroup = h('div', { class: 'hands', role: 'group', 'aria-label': '出拳 Your hand' }, hands);
    const outcome = h('h2', { class: 'outcome' });
    const table = h('table', { class: 'scores' });
    const result = h('section', { class: 'result', 'aria-label': '结果 Result', hidden: true }, outcome, table);
    const play = h('button', { type: 'button', class: 'primary' }, '开始 Play');
    const again = h('button', { type: 'button', class: 'primary', hidden: true }, '再来一局 Again');
    const leave = h('button', { type: 'button', hidden: true }, '离开 Leave');

    function setPhase(state, text) {
        root.dataset.phase = state;
        phase.textContent = text;
        play.hidden = state !== 'idle';
        again.hidden = state !== 'result';
        leave.hidden = state === 'idle' || state === 'connecting';
        arena.hidden = !['playing', 'result'].includes(state);
        if (state !== 'result') result.hidden = true;
        const choosing = state === 'playing';
        for (const button of hands) button.disabled = !choosing;
        if (state !== 'playing') {
            stopCountdown();
            countdown.textContent = '';
        }
    }

    function stopCountdown() {
        clearInterval(countdownTimer);
        countdownTimer = null;
    }

    function startCountdown(seconds) {
        stopCountdown();
        let left = seconds;
        countdown.textContent = String(left);
        countdownTimer = setInterval(() => {
            left = Math.max(0, left - 1);
            countdown.textContent = String(left);
            if (left === 0) stopCountdown();
        }, 1000);
    }

    function pressed(choice) {
        for (const button of hands) {
            button.setAttribute('aria-pressed', String(Number(button.dataset.choice) === choice));
        }
    }

    function choose(choice) {
        if (socket?.send('choice', { choice })) pressed(choice);
    }

    function onStart({ detail }) {
        const users = detail?.roomUsers ?? [];
        const self = users.find((user) => user.uid === me.uid) ?? { ...me, totalScore: 0, choice: null };
        const other = users.find((user) => user.uid !== me.uid) ?? null;
        opponentUid = other?.uid ?? null;
        mine.set(self);
        theirs.set(other);
        theirs.moved(false);
        pressed(self.choice);
        setPhase('playing', '出拳！Choose your hand');
        startCountdown(Number(detail?.gameTime) || 3);
    }

    function onMovement({ detail }) {
        if (!detail || detail.uid !== opponentUid) return;
        theirs.moved(true);
        if (root.dataset.phase === 'playing') phase.textContent = '对手已出拳 Your opponent has chosen';
    }

    function onResult({ detail }) {
        const { me: self, opponent } = entriesFor(detail, me.uid);
        if (!self) return;
        const verdict = judge(self.choice, opponent?.choice ?? null);
        outcome.textContent = OUTCOME[verdict];
        result.dataset.outcome = verdict;
        const row = (label, entry) => h('tr', {},
            h('th', { scope: 'row' }, label),
            h('td', {}, hand(entry?.choice)?.symbol ?? '—'),
            h('td', { 'data-field': 'roundScore' }, String(entry?.roundScore ?? 0)),
            h('td', { 'data-field': 'totalScore' }, String(entry?.totalScore ?? 0)),
            h('td', { 'data-field': 'winStreak' }, String(entry?.winStreak ?? 0)));
        table.replaceChildren(
            h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', { scope: 'col' }, '出拳 Hand'),
                h('th', { scope: 'col' }, '本局 Round'), h('th', { scope: 'col' }, '总分 Total'),
                h('th', { scope: 'col' }, '连胜 Streak'))),
            h('tbody', {}, row('我 Me', self), row(theirs.figure.querySelector('.player-name').textContent || '对手', opponent)));
        mine.set({ ...me, totalScore: self.totalScore });
        setPhase('result', '本局结束 Round over');
        result.hidden = false;
    }

    function onLeave({ detail }) {
        if (detail?.uid !== opponentUid) return;
        opponentUid = null;
        setPhase('waiting', '对手离开了，等待新对手… Your opponent left; waiting for another');
    }

    function onClosed({ detail }) {
        socket = null;
        setPhase('idle', '');
        if (!leaving) say(problem, `连接已断开 Disconnected (${detail.code}${detail.reason ? `: ${detail.reason}` : ''})`);
        leaving = false;
    }

    async function start() {
        say(problem, '');
        setPhase('connecting', '正在连接… Connecting…');
        socket = new GameSocket();
        socket.addEventListener('hi', () => {
            socket.send('join');
            setPhase('waiting', '等待对手… Waiting for an opponent');
        });
        socket.addEventListener('start', onStart);
        socket.addEventListener('movement', onMovement);
        socket.addEventListener('result', onResult);
        socket.addEventListener('leave', onLeave);
        socket.addEventListener('error', ({ detail }) => say(problem, detail?.message ?? 'error'));
        socket.addEventListener('closed', onClosed);
        try {
            await socket.connect();
            socket.send('hello', { user: me });
        } catch (error) {
            say(problem, messageOf(error));
        }
    }

    play.addEventListener('click', start);
    again.addEventListener('click', () => {
        if (socket?.send('join')) setPhase('waiting', '等待下一局… Waiting for the next round');
    });
    leave.addEventListener('click', () => {
        leaving = true;
        socket?.send('leave');
        socket?.close();
    });

    root.append(
        h('h1', {}, '剪刀石头布 Rock-paper-scissors'),
        h('p', { class: 'muted' }, `你是 You are ${me.uname}`),
        phase, arena, handGroup, result,
        h('div', { class: 'actions' }, play, again, leave),
        problem,
    );
    setPhase('idle', '点“开始”进入房间 Press Play to join a room');

    return () => {
        stopCountdown();
        leaving = true;
        socket?.close();
    };
}
