// The tests' own view of the stack, besides the browser: the same /applet routes called from
// Node (to check what the page did), and the clean-up of what the tests left.

import { execFile } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import { promisify } from 'node:util';
import { BASE_URL, WAIT_MS } from './browser.js';

/**
 * One HTTP(S) request without keep-alive (a pooled socket would keep the test process alive
 * after its last test); answers {status, text}.
 */
export function request(url, { method = 'GET', headers = {}, body } = {}) {
    const target = new URL(url);
    const client = target.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
        const req = client.request(target, { method, headers, agent: false, timeout: WAIT_MS }, (res) => {
            const chunks = [];
            res.on('data', (chunk) => chunks.push(chunk));
            res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
            res.on('error', reject);
        });
        req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)));
        req.on('error', reject);
        req.end(body);
    });
}

/** GET/POST `path` on the stack (through nginx) and answer {status, body} (JSON if it is). */
export async function api(path, { method = 'GET', json, headers = {} } = {}) {
    const { status, text } = await request(`${BASE_URL}${path}`, {
        method,
        headers: { ...headers, ...(json === undefined ? {} : { 'Content-Type': 'application/json' }) },
        body: json === undefined ? undefined : JSON.stringify(json),
    });
    let body = null;
    try {
        body = JSON.parse(text);
    } catch {
        body = text;
    }
    return { status, body };
}

/** Every trailer of the catalogue, page by page, in the list's order. */
export async function allTrailers() {
    const rows = [];
    let totalPage = 1;
    for (let pageNo = 1; pageNo <= totalPage; pageNo += 1) {
        const { body } = await api(`/applet/video/list?pageNo=${pageNo}`);
        totalPage = body.data.totalPage;
        rows.push(...body.data.list);
    }
    return { rows, totalPage };
}

/**
 * Removes the comments whose content is `content` from the stack's database with the
 * `mariadb` client (as e2e/tests/video.rs does), as the user of WEAPP_TEST_MYSQL_URL on
 * WEAPP_E2E_VIDEO_DB. Best effort: answers a note when the comment stays.
 */
export async function deleteComment(content) {
    const url = new URL((process.env.WEAPP_TEST_MYSQL_URL || 'mysql://weapp:weapp@127.0.0.1:3306').replace(/^mysql:/, 'http:'));
    const database = process.env.WEAPP_E2E_VIDEO_DB || 'video';
    const escaped = content.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
    try {
        await promisify(execFile)('mariadb', [
            '--protocol=TCP', '--default-character-set=utf8mb4', '-h', url.hostname, '-P', url.port || '3306',
            '-u', decodeURIComponent(url.username), database, '-e', `DELETE FROM comment WHERE content = '${escaped}'`,
        ], { env: { ...process.env, MYSQL_PWD: decodeURIComponent(url.password) }, timeout: WAIT_MS });
        return null;
    } catch (error) {
        return `the test comment stays in ${database}: ${error.message}`;
    }
}
