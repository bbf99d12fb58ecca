// The trailer catalogue as the pages see it: pages of GET /applet/video/list?pageNo=n
// (spec/originals.md §4: {list, totalPage}, 6 a page) and a cache of the rows seen, because
// there is no detail route — the original detail page also took its video from the list.

import { call } from '../api.js';

const rows = new Map();

/** One page (1-based): {list, totalPage}; every row is remembered for byId. */
export async function page(pageNo) {
    const answer = await call(`/applet/video/list?pageNo=${pageNo}`, { skey: false });
    const list = Array.isArray(answer.data?.list) ? answer.data.list : [];
    for (const row of list) rows.set(Number(row.id), row);
    return { list, totalPage: Number(answer.data?.totalPage) || 0 };
}

/** The row of video `id`: from the cache, else by paging through the list; null if absent. */
export async function byId(id) {
    if (rows.has(id)) return rows.get(id);
    let pageNo = 1;
    let totalPage = 1;
    while (pageNo <= totalPage) {
        ({ totalPage } = await page(pageNo));
        if (rows.has(id)) return rows.get(id);
        pageNo += 1;
    }
    return null;
}
