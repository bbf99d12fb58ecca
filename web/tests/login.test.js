// Developer login through wx-sim and logout, in the browser, over HTTP and HTTPS: the skey
// lands in sessionStorage, the session service knows it (GET /applet/session/user), the
// same test user gets the same openid on every login, and logout revokes the skey.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_URL, TLS_BASE_URL, launch, login, phone, screenshot, storedSession } from './lib/browser.js';
import { api } from './lib/stack.js';

const SKEY = /^[0-9a-f]{64}$/;

for (const [scheme, base] of [['http', BASE_URL], ['https', TLS_BASE_URL]]) {
    test(`log in and out over ${scheme}`, async (t) => {
        const browser = await launch({ tls: scheme === 'https' });
        t.after(() => browser.close());
        const { page, errors } = await phone(browser);

        await page.goto(`${base}/`);
        await page.getByRole('heading', { name: 'weapp-cloud' }).waitFor();
        await page.getByRole('link', { name: /相册 Album/ }).first().waitFor();
        if (scheme === 'http') await screenshot(page, 'home');

        await page.goto(`${base}/#/login`);
        await page.getByRole('group', { name: '测试用户 Test user' }).waitFor();
        if (scheme === 'http') await screenshot(page, 'login');

        await login(page, base, 'bob');
        const first = await storedSession(page);
        assert.equal(first.name, 'bob');
        assert.match(first.skey, SKEY);
        const user = await api('/applet/session/user', { headers: { 'X-WX-Skey': first.skey } });
        assert.equal(user.body.code, 0, JSON.stringify(user.body));
        assert.equal(user.body.data.openId, first.openId);

        // A second login of the same user: a new code and skey, the same openid (wx-sim).
        await login(page, base, 'bob');
        const second = await storedSession(page);
        assert.notEqual(second.skey, first.skey);
        assert.equal(second.openId, first.openId);

        await page.getByRole('button', { name: '退出 Log out' }).click();
        await page.getByRole('link', { name: '登录 Log in' }).waitFor();
        assert.equal(await storedSession(page), null);
        const revoked = await api('/applet/session/user', { headers: { 'X-WX-Skey': second.skey } });
        assert.equal(revoked.body.code, -1, JSON.stringify(revoked.body));
        assert.equal(revoked.body.error.reason, 'ERR_SKEY_INVALID');
        assert.deepEqual(errors, []);
    });
}

// A refused code is reported in the service's words, not swallowed.
test('a refused login shows the service\'s words', async (t) => {
    const browser = await launch();
    t.after(() => browser.close());
    const { page } = await phone(browser);
    await page.goto(`${BASE_URL}/#/login`);
    await page.getByRole('radio', { name: 'alice' }).check();
    // wx-sim refuses codes that start with "invalid" (40029); the page must show the refusal.
    await page.route('**/applet/session/login', (route) => route.continue({
        headers: { ...route.request().headers(), 'x-wx-code': 'invalid-web-test' },
    }));
    await page.getByRole('button', { name: '登录 Log in' }).click();
    const alert = page.getByRole('alert').filter({ hasText: /\S/ });
    await alert.waitFor();
    const refused = await api('/applet/session/login', { headers: { 'x-wx-code': 'invalid-web-test-2' } });
    assert.equal(refused.body.code, -1);
    assert.equal(await alert.textContent(), refused.body.error.message);
    assert.equal(await storedSession(page), null);
});
