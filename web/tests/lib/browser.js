// The browser of the web tests: Debian's Chromium (/usr/bin/chromium) driven by
// playwright-core, headless, through the stack's nginx. `npx playwright install` is never
// needed: the browser comes from apt (scripts/test installs it).
//
// Environment (scripts/test exports it; the defaults are the local stack's):
//   WEAPP_BASE_URL        http://127.0.0.1:8080
//   WEAPP_TLS_BASE_URL    https://127.0.0.1:8443
//   WEAPP_TLS_CA          the development CA (.run/certs/ca.pem)
//   WEAPP_CHROMIUM        /usr/bin/chromium
//   WEAPP_WEB_ARTIFACTS   where screenshots go (.run/web/)

import { mkdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export const BASE_URL = process.env.WEAPP_BASE_URL || 'http://127.0.0.1:8080';
export const TLS_BASE_URL = process.env.WEAPP_TLS_BASE_URL || 'https://127.0.0.1:8443';
export const TLS_CA = process.env.WEAPP_TLS_CA || path.join(REPO, '.run/certs/ca.pem');
export const ARTIFACTS = process.env.WEAPP_WEB_ARTIFACTS || path.join(REPO, '.run/web');
export const PHOTOS = path.join(REPO, 'services/album/tests/fixtures/photos');

/** How long any single wait may take: a page, a request, an element. */
export const WAIT_MS = 15_000;

/** Chromium's flags on this machine: no sandbox (root), no GPU, and none of its own network
 * traffic (the machine's closed network refuses it). Playwright adds a fresh --user-data-dir
 * for every launch. */
const FLAGS = [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
];

/**
 * The base64 SHA-256 of the public key (SPKI) that the server at `baseUrl` presents, after
 * Node has verified its certificate against the development CA `caFile` — so Chromium is told
 * to trust exactly that key (--ignore-certificate-errors-spki-list), not to ignore TLS errors.
 */
export function verifiedServerSpki(baseUrl = TLS_BASE_URL, caFile = TLS_CA) {
    const url = new URL(baseUrl);
    return new Promise((resolve, reject) => {
        const socket = tls.connect({
            host: url.hostname,
            port: Number(url.port || 443),
            ca: readFileSync(caFile),
            servername: isIP(url.hostname) ? undefined : url.hostname,
        }, () => {
            const der = socket.getPeerX509Certificate().publicKey.export({ type: 'spki', format: 'der' });
            socket.end();
            resolve(createHash('sha256').update(der).digest('base64'));
        });
        socket.setTimeout(WAIT_MS, () => socket.destroy(new Error(`TLS handshake with ${baseUrl} timed out`)));
        socket.on('error', reject);
    });
}

/** Starts Chromium; with `tls`, trusting the stack's verified server key. */
export async function launch({ tls: withTls = false } = {}) {
    const args = [...FLAGS];
    if (withTls) args.push(`--ignore-certificate-errors-spki-list=${await verifiedServerSpki()}`);
    return chromium.launch({
        executablePath: process.env.WEAPP_CHROMIUM || '/usr/bin/chromium',
        headless: true,
        args,
    });
}

/**
 * A phone-sized page in a context of its own (own sessionStorage): 390 × 844, touch. Uncaught
 * exceptions of the page are collected in `errors` (tests assert there are none).
 */
export async function phone(browser) {
    const context = await browser.newContext({
        viewport: { width: 390, height: 844 },
        deviceScaleFactor: 2,
        isMobile: true,
        hasTouch: true,
        locale: 'zh-CN',
    });
    context.setDefaultTimeout(WAIT_MS);
    context.setDefaultNavigationTimeout(WAIT_MS);
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (error) => errors.push(error));
    return { context, page, errors };
}

/** Saves a full-page screenshot as ARTIFACTS/NAME.png (test artifacts, kept under .run/). */
export async function screenshot(page, name) {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Logs in through the login page as test user `name`; resolves once the top bar shows it. */
export async function login(page, base, name) {
    await page.goto(`${base}/#/login`);
    const before = (await storedSession(page))?.skey ?? null;
    await page.getByRole('radio', { name }).check();
    await page.getByRole('button', { name: '登录 Log in' }).click();
    await page.waitForFunction((old) => {
        const session = JSON.parse(sessionStorage.getItem('weapp.session') || 'null');
        return session !== null && session.skey !== old;
    }, before);
    await page.getByLabel(`已登录 Logged in as ${name}`).waitFor();
}

/** The tab's stored session ({skey, name, openId, expiresAt}) or null. */
export function storedSession(page) {
    return page.evaluate(() => JSON.parse(sessionStorage.getItem('weapp.session') || 'null'));
}
