// The album page in the browser, on issue 11's routes (upload-form → POST to the store →
// confirm; list?after=; delete): upload real photographs from the file picker straight to
// the store with a progress bar, see them first in the grid, walk the full-screen preview by
// swipe and keys, delete from it; a non-image is refused in the service's words, and another
// user's photo cannot be deleted. Over HTTP: the local stack's images live on the plain-HTTP
// S3 port, which an HTTPS page may not load or post to (mixed content).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { BASE_URL, PHOTOS, launch, login, phone, screenshot, storedSession } from './lib/browser.js';
import { api, request } from './lib/stack.js';
import { filepathOf } from '../public/js/album/paths.js';

let browser;
/** Image URLs this file uploaded and the skey that owns them: deleted at the end if left. */
const leftovers = new Set();
let ownerSkey = null;

before(async () => {
    browser = await launch();
});

after(async () => {
    for (const url of leftovers) {
        await api('/applet/album/delete', { method: 'POST', json: { filepath: filepathOf(url) },
            headers: ownerSkey ? { 'X-WX-Skey': ownerSkey } : {} }).catch(() => {});
    }
    await browser?.close();
});

/** Records every value the upload progress bar takes (its `value` attribute). */
async function watchProgress(page) {
    await page.evaluate(() => {
        window.progressSeen = [];
        const bar = document.querySelector('progress');
        new MutationObserver(() => window.progressSeen.push(Number(bar.value)))
            .observe(bar, { attributes: true, attributeFilter: ['value'] });
    });
}

/** Picks `file` in the page's file picker; answers the confirmed image URL. */
async function upload(page, file) {
    const confirmed = page.waitForResponse((response) => response.url().endsWith('/applet/album/confirm'));
    await page.getByLabel('选择照片 Choose photo').setInputFiles(path.join(PHOTOS, file));
    const body = await (await confirmed).json();
    assert.equal(body.code, 0, JSON.stringify(body));
    leftovers.add(body.data.imgUrl);
    return body.data.imgUrl;
}

const gridUrls = (page) => page.locator('.photo-grid li').evaluateAll((items) => items.map((item) => item.dataset.url));

test('upload, preview, swipe and delete photos', async () => {
    const { page, errors } = await phone(browser);
    await login(page, BASE_URL, 'alice');
    ownerSkey = (await storedSession(page)).skey;
    const listed = page.waitForResponse((response) => response.url().includes('/applet/album/list'));
    await page.goto(`${BASE_URL}/#/album`);
    await listed;
    await watchProgress(page);

    const rocket = await upload(page, 'rocket.jpg');
    await page.locator(`.photo-grid li[data-url="${rocket}"]`).waitFor();
    const seen = await page.evaluate(() => window.progressSeen);
    assert.ok(seen.length > 0 && seen.at(-1) === 1, `progress went up to 1: ${seen}`);
    assert.ok(await page.locator('progress').isHidden(), 'the progress bar goes away when done');
    await page.getByRole('status').filter({ hasText: '上传成功 Uploaded' }).waitFor();

    const cat = await upload(page, 'chelsea-small.jpg');
    await page.locator(`.photo-grid li[data-url="${cat}"]`).waitFor();
    assert.deepEqual((await gridUrls(page)).slice(0, 2), [cat, rocket], 'newest first');
    // The album lists them too, newest first, and serves the bytes.
    const list = await api('/applet/album/list');
    assert.deepEqual(list.body.data.slice(0, 2), [cat, rocket]);
    assert.equal((await request(rocket)).status, 200);
    await screenshot(page, 'album');

    // Preview: the newest photo; a swipe to the left shows the next (older) one.
    await page.getByRole('button', { name: '查看照片 1 View photo 1' }).click();
    const dialog = page.getByRole('dialog', { name: '照片预览 Photo preview' });
    await dialog.waitFor();
    const shown = () => dialog.getAttribute('data-url');
    assert.equal(await shown(), cat);
    await page.waitForFunction(() => document.querySelector('.preview-image').complete);
    await screenshot(page, 'album-preview');
    const stage = await page.locator('.preview-stage').boundingBox();
    const y = stage.y + stage.height / 2;
    await page.mouse.move(stage.x + stage.width * 0.8, y);
    await page.mouse.down();
    await page.mouse.move(stage.x + stage.width * 0.2, y, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction((url) => document.querySelector('.preview').dataset.url === url, rocket);
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction((url) => document.querySelector('.preview').dataset.url === url, cat);
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction((url) => document.querySelector('.preview').dataset.url === url, rocket);

    // Delete from the preview: the next photo shows, and the album no longer lists it.
    const deleted = page.waitForResponse((response) => response.url().endsWith('/applet/album/delete'));
    await dialog.getByRole('button', { name: '删除 Delete' }).click();
    assert.equal((await (await deleted).json()).code, 0);
    await page.waitForFunction((url) => document.querySelector('.preview')?.dataset.url !== url, rocket);
    leftovers.delete(rocket);
    assert.ok(!(await api('/applet/album/list')).body.data.includes(rocket));
    assert.ok(!(await gridUrls(page)).includes(rocket));

    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction((url) => document.querySelector('.preview').dataset.url === url, cat);
    await dialog.getByRole('button', { name: '删除 Delete' }).click();
    await page.waitForFunction((url) => !document.querySelector(`.photo-grid li[data-url="${url}"]`), cat);
    leftovers.delete(cat);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.ok(!(await api('/applet/album/list')).body.data.includes(cat));
    assert.deepEqual(errors, []);
});

test('a file that is not JPEG/PNG is refused in the service\'s words', async () => {
    const { page } = await phone(browser);
    await page.goto(`${BASE_URL}/#/album`);
    const confirmed = page.waitForResponse((response) => response.url().endsWith('/applet/album/confirm'));
    // A GIF named .jpg: the picker sends it as image/jpeg; the album checks the bytes.
    await page.getByLabel('选择照片 Choose photo').setInputFiles(path.join(PHOTOS, 'fake.jpg'));
    const body = await (await confirmed).json();
    assert.deepEqual([body.code, body.msg], [-1, '仅jpg/png格式']);
    await page.getByRole('alert').filter({ hasText: '仅jpg/png格式' }).waitFor();
});

test('another user\'s photo cannot be deleted from the preview', async () => {
    const owner = await phone(browser);
    await login(owner.page, BASE_URL, 'alice');
    ownerSkey = (await storedSession(owner.page)).skey;
    await owner.page.goto(`${BASE_URL}/#/album`);
    const photo = await upload(owner.page, 'chelsea-small.jpg');

    const other = await phone(browser);
    await login(other.page, BASE_URL, 'bob');
    await other.page.goto(`${BASE_URL}/#/album`);
    await other.page.locator(`.photo-grid li[data-url="${photo}"] button`).click();
    const dialog = other.page.getByRole('dialog', { name: '照片预览 Photo preview' });
    await dialog.waitFor();
    assert.equal(await dialog.getAttribute('data-url'), photo);
    await dialog.getByRole('button', { name: '删除 Delete' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'operation forbidden' }).waitFor();
    assert.ok((await api('/applet/album/list')).body.data.includes(photo), 'still listed');
    await screenshot(other.page, 'album-forbidden');
});
