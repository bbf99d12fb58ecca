// A trailer (spec/originals.md §4): the <video> player, the comments newest first
// (GET /applet/video/commentList?vid=) and the form that posts one
// (POST /applet/video/comment {vid, nick, avatar, content}); a posted comment is prepended
// locally, as the original client did.

import { h, alertBox, statusBox, say, avatarImg, messageOf } from '../dom.js';
import { call } from '../api.js';
import { currentSession } from '../session.js';
import { TEST_USERS, avatarUrl } from '../users.js';
import { byId } from '../video/catalogue.js';

/** The original client's input limit for a comment. */
const CONTENT_MAX = 50;

function comment(item) {
    return h('li', { class: 'comment', 'data-id': item.id ?? '' },
        avatarImg(item.avatar, ''),
        h('div', {}, h('strong', { class: 'nick' }, item.nick ?? ''),
            h('p', { class: 'content' }, item.content ?? '')));
}

export async function mount(root, { match }) {
    const vid = Number(match[1]);
    const problem = alertBox();
    root.append(h('p', {}, h('a', { href: '#/trailers' }, '‹ 新片预告 Trailers')), problem);
    let row;
    try {
        row = await byId(vid);
    } catch (error) {
        say(problem, messageOf(error));
        return;
    }
    if (!row) {
        say(problem, `没有这个预告片 No trailer ${vid}`);
        return;
    }

    const session = currentSession();
    const status = statusBox();
    const comments = h('ul', { class: 'comments', 'aria-label': '评论 Comments' });
    const nick = h('input', { type: 'text', name: 'nick', required: true, maxlength: '64', autocomplete: 'nickname',
        value: session?.name ?? '' });
    const avatarChoices = [...TEST_USERS, 'guest'].map((name) => h('label', { class: 'avatar-choice' },
        h('input', { type: 'radio', name: 'avatar', value: name, 'aria-label': name,
            checked: name === (session && TEST_USERS.includes(session.name) ? session.name : 'guest') }),
        h('img', { class: 'avatar tiny', src: avatarUrl(name), alt: '' })));
    const content = h('textarea', { name: 'content', required: true, maxlength: String(CONTENT_MAX), rows: '2' });
    const send = h('button', { type: 'submit', class: 'primary' }, '发表 Post');
    const form = h('form', { class: 'comment-form' },
        h('label', {}, '昵称 Nickname', nick),
        h('fieldset', {}, h('legend', {}, '头像 Avatar'), avatarChoices),
        h('label', {}, '评论 Comment', content),
        send);

    form.addEventListener('submit', async (event) => {
        event.preventDefault();
        const posted = {
            vid,
            nick: nick.value.trim(),
            avatar: avatarUrl(new FormData(form).get('avatar')),
            content: content.value.trim(),
        };
        if (!posted.nick || !posted.content) return;
        send.disabled = true;
        say(problem, '');
        try {
            await call('/applet/video/comment', { method: 'POST', json: posted, skey: false });
            comments.prepend(comment(posted));
            content.value = '';
            say(status, '已发表 Posted');
        } catch (error) {
            say(problem, messageOf(error));
        } finally {
            send.disabled = false;
        }
    });

    root.append(
        h('h1', {}, row.video_title),
        h('video', { class: 'video-player', src: row.video_url, poster: row.video_image || null, controls: true,
            preload: 'none', playsinline: true, 'aria-label': `预告片 Trailer: ${row.video_title}` }),
        row.video_desc ? h('p', { class: 'desc' }, row.video_desc) : '',
        h('h2', {}, '评论 Comments'),
        form,
        status,
        comments,
    );
    try {
        const answer = await call(`/applet/video/commentList?vid=${vid}`, { skey: false });
        comments.replaceChildren(...(Array.isArray(answer.data) ? answer.data : []).map(comment));
        comments.dataset.loaded = 'true';
    } catch (error) {
        say(problem, messageOf(error));
    }
}
