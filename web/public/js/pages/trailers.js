// 新片预告 Trailers (spec/originals.md §4): infinite scroll over list?pageNo=n until
// pageNo == totalPage, as the original; each card opens the detail page.

import { h, alertBox } from '../dom.js';
import { infiniteScroll, pageLoader } from '../paging.js';
import { page } from '../video/catalogue.js';

function card(row) {
    const poster = h('img', { src: row.video_image, alt: '', loading: 'lazy', decoding: 'async' });
    poster.addEventListener('error', () => poster.classList.add('missing'), { once: true });
    return h('li', { 'data-id': row.id },
        h('a', { href: `#/trailers/${row.id}`, class: 'trailer-card' },
            h('div', { class: 'poster' }, poster),
            h('span', { class: 'trailer-title' }, row.video_title)));
}

export function mount(root) {
    let pageNo = 0;
    let totalPage = Infinity;
    const problem = alertBox();
    const list = h('ul', { class: 'trailers', 'aria-label': '预告片 Trailers' });
    const more = h('button', { type: 'button', class: 'more' }, '加载更多 Load more');
    const end = h('p', { class: 'muted end', hidden: true }, '没有更多了 That is all');
    const sentinel = h('div', { class: 'sentinel', 'aria-hidden': 'true' });

    /** Loads the next page; answers whether pages remain. */
    const next = pageLoader(async () => {
        if (pageNo >= totalPage) return false;
        const answer = await page(pageNo + 1);
        pageNo += 1;
        totalPage = answer.totalPage;
        const seen = new Set([...list.children].map((item) => item.dataset.id));
        list.append(...answer.list.filter((row) => !seen.has(String(row.id))).map(card));
        return pageNo < totalPage;
    }, {
        more,
        problem,
        settled: () => {
            const finished = pageNo >= totalPage;
            more.hidden = finished;
            end.hidden = !finished;
            list.dataset.pages = `${pageNo}/${totalPage}`;
        },
    });

    more.addEventListener('click', () => next().catch(() => {}));
    root.append(h('h1', {}, '新片预告 Trailers'), problem, list, more, end, sentinel);
    return infiniteScroll(sentinel, next);
}
