// Developer login on the local stack: pick a test user; the page makes a one-time code
// "{user}-{random}" that wx-sim exchanges (README.md, wx-sim) and the session service answers
// an skey (spec/originals.md §7.2). Then back to the page that asked (?next=/draw).

import { h, alertBox, say, messageOf } from '../dom.js';
import { login } from '../auth.js';
import { currentSession } from '../session.js';
import { TEST_USERS, avatarUrl } from '../users.js';

/** Where to go after logging in: a hash path of this app only, never another site. */
function nextPath(query) {
    const next = query.get('next') || '/';
    return /^\/[a-z/0-9]*$/.test(next) ? next : '/';
}

export function mount(root, { query }) {
    const problem = alertBox();
    const session = currentSession();
    const choices = TEST_USERS.map((name, index) => h('label', { class: 'user-choice' },
        h('input', { type: 'radio', name: 'user', value: name, checked: index === 0 }),
        h('img', { class: 'avatar', src: avatarUrl(name), alt: '' }),
        h('span', {}, name)));
    const submit = h('button', { type: 'submit', class: 'primary' }, '登录 Log in');
    const form = h('form', { class: 'login' },
        h('fieldset', {}, h('legend', {}, '测试用户 Test user'), choices),
        submit);
    form.addEventListener('submit', async (event) => {
        event.preventDefault();
        const name = new FormData(form).get('user');
        submit.disabled = true;
        say(problem, '');
        try {
            await login(String(name));
            window.location.hash = `#${nextPath(query)}`;
        } catch (error) {
            say(problem, messageOf(error));
        } finally {
            submit.disabled = false;
        }
    });
    root.append(
        h('h1', {}, '登录 Log in'),
        session ? h('p', { class: 'notice' }, `当前已登录为 ${session.name}；再次登录会换成所选用户。`) : '',
        h('p', {}, '本地开发环境：WeChat 登录由 wx-sim 模拟，每个测试用户有固定的 openid。',
            h('br'), h('small', {}, 'Local stack only: wx-sim plays WeChat; each test user has a fixed openid.')),
        form,
        problem,
    );
}
