// 新片预告 in the browser: the list pages in by infinite scroll until totalPage (the same rows
// in the same order as list?pageNo=1…n), a trailer's page has the player and the comments
// newest first, and a comment with an emoji is posted, shown, and listed first by the service.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, launch, phone, screenshot } from './lib/browser.js';
import { allTrailers, api, deleteComment } from './lib/stack.js';

let posted = null;
after(async () => {
    if (posted) {
        const note = await deleteComment(posted);
        if (note) console.log(`# note: ${note}`);
    }
});

const cardIds = (page) => page.locator('.trailers li').evaluateAll((items) => items.map((item) => Number(item.dataset.id)));

test('page the trailers, open one, post a comment with an emoji', async (t) => {
    const { rows, totalPage } = await allTrailers();
    assert.ok(totalPage >= 2, `the seeded catalogue has several pages (${totalPage})`);
    const browser = await launch();
    t.after(() => browser.close());
    const { page, errors } = await phone(browser);

    await page.goto(`${BASE_URL}/#/trailers`);
    const list = page.getByRole('list', { name: '预告片 Trailers' });
    await list.locator('li').nth(5).waitFor();
    await screenshot(page, 'trailers');
    // Only what the screen needs is loaded before the user scrolls.
    await page.locator('.sentinel[data-state="idle"]').waitFor({ state: 'attached' });
    const [loaded] = (await list.getAttribute('data-pages')).split('/').map(Number);
    assert.ok(loaded < totalPage, `${loaded} of ${totalPage} pages loaded before scrolling`);

    // Scrolling to the end loads page after page until the last one, then says so.
    const end = page.getByText('没有更多了 That is all');
    while (!(await end.isVisible())) {
        const before = (await cardIds(page)).length;
        await page.locator('.sentinel').scrollIntoViewIfNeeded();
        await page.waitForFunction((count) => document.querySelectorAll('.trailers li').length > count ||
            document.querySelector('.end').hidden === false, before);
    }
    assert.equal(await list.getAttribute('data-pages'), `${totalPage}/${totalPage}`);
    assert.deepEqual(await cardIds(page), rows.map((row) => row.id), 'every trailer once, in the list order');

    // The first trailer: its player and its comments, newest first as the service lists them.
    const [first] = rows;
    await list.getByRole('link', { name: first.video_title }).click();
    await page.getByRole('heading', { name: first.video_title }).waitFor();
    assert.equal(await page.locator('video').getAttribute('src'), first.video_url);
    const comments = page.getByRole('list', { name: '评论 Comments' });
    await page.locator('.comments[data-loaded="true"]').waitFor({ state: 'attached' });
    const served = (await api(`/applet/video/commentList?vid=${first.id}`)).body.data;
    assert.deepEqual(await comments.locator('.content').allTextContents(), served.map((c) => c.content));

    // Post a comment with an emoji (the service stores utf8mb4): shown at once, first in the list.
    const content = `网页测试 🎬👍 ${Date.now()}`;
    await page.getByLabel('昵称 Nickname').fill('网页 web');
    await page.getByRole('radio', { name: 'bob' }).check();
    await page.getByRole('textbox', { name: '评论 Comment', exact: true }).fill(content);
    const sent = page.waitForResponse((response) => response.url().endsWith('/applet/video/comment'));
    await page.getByRole('button', { name: '发表 Post' }).click();
    const reply = await (await sent).json();
    posted = content;
    assert.deepEqual(reply, { code: 0, msg: 'ok' });
    await comments.locator('.content').first().filter({ hasText: content }).waitFor();
    await screenshot(page, 'trailer');

    const newest = (await api(`/applet/video/commentList?vid=${first.id}`)).body.data[0];
    assert.equal(newest.content, content);
    assert.equal(newest.nick, '网页 web');
    assert.match(newest.avatar, /\/img\/avatars\/bob\.svg$/);
    // After a reload the page shows it from the service, first.
    await page.reload();
    await page.locator('.comments[data-loaded="true"]').waitFor({ state: 'attached' });
    assert.equal(await comments.locator('.content').first().textContent(), content);
    assert.deepEqual(errors, []);
});
