// 一笔到底 in the browser: the page asks for a login first; a stroke drawn with the pointer
// is saved as `actions` (POST /applet/session/paints/save), listed and replayed as a
// thumbnail, reopened, and deleted — checked against the session service itself.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, launch, phone, screenshot, storedSession } from './lib/browser.js';
import { api } from './lib/stack.js';
import { parseActions } from '../public/js/draw/actions.js';

let cleanup = null;
after(async () => {
    await cleanup?.();
});

/** Pixels of `canvas` (a locator) that are not transparent. */
function paintedPixels(canvas) {
    return canvas.evaluate((element) => {
        const { data } = element.getContext('2d').getImageData(0, 0, element.width, element.height);
        let painted = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) painted += 1;
        return painted;
    });
}

test('draw a stroke, save it, see it listed and replayed, delete it', async (t) => {
    const browser = await launch();
    t.after(() => browser.close());
    const { page, errors } = await phone(browser);

    // Behind login: the page links to the login, which comes back here.
    await page.goto(`${BASE_URL}/#/draw`);
    // The page's own link (it returns to the drawing), not the header's: wait for it to render.
    await page.locator('a[href="#/login?next=/draw"]').click();
    await page.getByRole('radio', { name: 'carol' }).check();
    await page.getByRole('button', { name: '登录 Log in' }).click();
    const board = page.getByLabel(/^画布/);
    await board.waitFor();
    assert.match(page.url(), /#\/draw$/);
    const { skey } = await storedSession(page);
    const headers = { 'X-WX-Skey': skey };
    await page.getByRole('list', { name: '我的画 My drawings' }).waitFor({ state: 'attached' });

    // One red stroke, drawn with the pointer across the canvas.
    await page.getByRole('radio', { name: '红 Red' }).check();
    const box = await board.boundingBox();
    await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.3);
    await page.mouse.down();
    for (let step = 1; step <= 10; step += 1) {
        await page.mouse.move(box.x + box.width * (0.2 + step * 0.06), box.y + box.height * (0.3 + step * 0.03));
    }
    await page.mouse.up();
    assert.equal(await board.getAttribute('data-strokes'), '1');
    assert.ok(await paintedPixels(board) > 100, 'the stroke is on the canvas');
    const id = await board.getAttribute('data-paint-id');
    cleanup = () => api('/applet/session/paints/delete', { method: 'POST', json: { id }, headers });

    const saved = page.waitForResponse((response) => response.url().endsWith('/applet/session/paints/save'));
    await page.getByRole('button', { name: '保存 Save' }).click();
    assert.equal((await (await saved).json()).code, 0);
    await page.getByRole('status').filter({ hasText: '已保存 Saved' }).waitFor();

    // The service has it, as a stroke in the original's action shape.
    const list = await api('/applet/session/paints/list', { headers });
    const paint = list.body.data.find((item) => item.id === id);
    assert.ok(paint, `paint ${id} in ${JSON.stringify(list.body)}`);
    const actions = parseActions(paint.actions);
    const path = actions.find((action) => action.method === 'strokePath');
    assert.deepEqual(actions.find((action) => action.method === 'setStrokeStyle').data, ['normal', [255, 0, 0, 255]]);
    assert.equal(path.data[0].method, 'moveTo');
    assert.ok(path.data.length >= 5, `the stroke's points: ${path.data.length}`);

    // Listed and replayed as a thumbnail.
    const thumbnail = page.getByRole('img', { name: `画 Drawing ${id}` });
    await thumbnail.waitFor();
    assert.equal(await thumbnail.getAttribute('data-strokes'), '1');
    assert.ok(await paintedPixels(thumbnail) > 10, 'the thumbnail shows the stroke');
    await screenshot(page, 'draw');

    // A new drawing clears the canvas; opening the saved one brings its stroke back.
    await page.getByRole('button', { name: '新画 New drawing' }).click();
    assert.equal(await paintedPixels(board), 0);
    await page.getByRole('button', { name: `打开 Open ${id}` }).click();
    assert.equal(await board.getAttribute('data-paint-id'), id);
    assert.ok(await paintedPixels(board) > 100);

    await page.getByRole('button', { name: `删除 Delete ${id}` }).click();
    await thumbnail.waitFor({ state: 'detached' });
    const remaining = await api('/applet/session/paints/list', { headers });
    assert.ok(!remaining.body.data.some((item) => item.id === id), 'deleted at the service');
    cleanup = null;
    assert.deepEqual(errors, []);
});
