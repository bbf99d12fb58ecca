// The web client's shell: hash routes → page modules, and the account area of the top bar.
//
// A page module exports `mount(root, params)`, which fills `root` and may answer a function
// that undoes what outlives the page (sockets, observers, global key listeners); it runs
// before the next page mounts.

import { h, alertBox, say, messageOf } from './dom.js';
import { currentSession, SESSION_EVENT } from './session.js';
import { logout } from './auth.js';
import { avatarUrl } from './users.js';

/** [pattern on the hash path, page module, title]; the first match wins. */
const ROUTES = [
    [/^\/$/, './pages/home.js', 'weapp-cloud'],
    [/^\/login$/, './pages/login.js', '登录 Log in'],
    [/^\/album$/, './pages/album.js', '相册 Album'],
    [/^\/game$/, './pages/game.js', '剪刀石头布 Rock-paper-scissors'],
    [/^\/draw$/, './pages/draw.js', '一笔到底 Drawing'],
    [/^\/trailers$/, './pages/trailers.js', '新片预告 Trailers'],
    [/^\/trailers\/(\d+)$/, './pages/trailer.js', '预告片 Trailer'],
];

const app = document.getElementById('app');
const account = document.getElementById('account');
let unmount = null;
let generation = 0;

/** The hash as {path, query}: "#/login?next=/draw" → {"/login", URLSearchParams(next=/draw)}. */
function location() {
    const raw = window.location.hash.replace(/^#/, '') || '/';
    const [path, search = ''] = raw.split('?');
    return { path: path || '/', query: new URLSearchParams(search) };
}

async function route() {
    const current = ++generation;
    if (unmount) {
        try {
            unmount();
        } catch (error) {
            console.error(error);
        }
        unmount = null;
    }
    const { path, query } = location();
    const match = ROUTES.map(([pattern, module, title]) => [path.match(pattern), module, title])
        .find(([found]) => found);
    app.replaceChildren();
    if (!match) {
        app.append(h('h1', {}, '找不到页面 Not found'), h('p', {}, h('a', { href: '#/' }, '首页 Home')));
        return;
    }
    const [found, module, title] = match;
    document.title = `${title} · weapp-cloud`;
    for (const link of document.querySelectorAll('.topbar nav a')) {
        const here = path.startsWith(link.getAttribute('href').slice(1));
        if (here) link.setAttribute('aria-current', 'page');
        else link.removeAttribute('aria-current');
    }
    try {
        const page = await import(module);
        if (current !== generation) return;
        // A container of its own: a page still loading when the route changes fills a
        // detached element, never the next page.
        const container = h('div', { class: 'page' });
        app.append(container);
        const cleanup = await page.mount(container, { match: found, query });
        if (current !== generation) {
            if (typeof cleanup === 'function') cleanup();
            return;
        }
        unmount = typeof cleanup === 'function' ? cleanup : null;
    } catch (error) {
        const box = alertBox();
        say(box, messageOf(error));
        app.append(box);
    }
}

function renderAccount() {
    const session = currentSession();
    account.replaceChildren();
    if (!session) {
        account.append(h('a', { href: '#/login', class: 'button small' }, '登录 Log in'));
        return;
    }
    const problem = alertBox();
    const out = h('button', { type: 'button', class: 'small' }, '退出 Log out');
    out.addEventListener('click', async () => {
        out.disabled = true;
        try {
            await logout();
        } catch (error) {
            say(problem, messageOf(error));
            out.disabled = false;
        }
    });
    account.append(
        h('img', { class: 'avatar tiny', src: avatarUrl(session.name), alt: '' }),
        h('span', { class: 'user-name', 'aria-label': `已登录 Logged in as ${session.name}` }, session.name),
        out,
        problem,
    );
}

window.addEventListener('hashchange', route);
window.addEventListener(SESSION_EVENT, () => {
    renderAccount();
    // Pages that depend on the login show its new state.
    if (['/draw', '/album'].includes(location().path)) route();
});
renderAccount();
route();
