// The start page: the four demos and where to log in.

import { h } from '../dom.js';
import { currentSession } from '../session.js';

const DEMOS = [
    ['#/album', '相册 Album', '照片存进对象存储：上传、浏览、删除', 'Photos in object storage'],
    ['#/game', '剪刀石头布 Rock-paper-scissors', '实时对战，没人时机器人陪你玩', 'Real time over WebSocket'],
    ['#/draw', '一笔到底 Drawing', '画一笔，存起来，回放（需登录）', 'Strokes saved per user'],
    ['#/trailers', '新片预告 Trailers', '预告片和评论', 'Trailers and comments'],
];

export function mount(root) {
    const session = currentSession();
    root.append(
        h('h1', {}, 'weapp-cloud'),
        h('p', { class: 'lead' }, '腾讯云 2016–17 小程序演示的网页版，走同样的 /applet 接口。',
            h('br'), 'The mini-program demos in a browser, on the same /applet routes.'),
        h('ul', { class: 'tiles' }, DEMOS.map(([href, title, zh, en]) => h('li', {},
            h('a', { href, class: 'tile' }, h('strong', {}, title), h('span', {}, zh), h('small', {}, en))))),
        session
            ? h('p', {}, `已登录为 ${session.name}。`)
            : h('p', {}, h('a', { href: '#/login' }, '登录 Log in'), '（开发用：通过 wx-sim 选一个测试用户）'),
    );
}
