// Calls to the stack's /applet/… routes (the same routes the mini-programs use, through the
// nginx that serves this page). Every failure becomes an ApiError whose message is the
// service's own words; a refused skey also ends the local session.

import { currentSkey, clearSession } from './session.js';
import { isOk, isSkeyRefused, serviceWords } from './envelope.js';

/** A failed call: `message` is what the service said (or what went wrong on the way). */
export class ApiError extends Error {
    constructor(message, { status = 0, body = null } = {}) {
        super(message);
        this.name = 'ApiError';
        this.status = status;
        this.body = body;
    }
}

/**
 * Calls `path` (absolute, e.g. "/applet/video/list?pageNo=1") and answers the parsed envelope
 * when its `code` is 0.
 *
 * Options: `method` (GET), `json` (a body sent as application/json), `headers`, `skey` (send
 * the session's X-WX-Skey when logged in; default true).
 *
 * Throws ApiError: the network failed, the answer is not JSON (nginx's 502 page while a
 * service is down), or the envelope's `code` is not 0.
 */
export async function call(path, { method = 'GET', json, headers = {}, skey = true } = {}) {
    const requestHeaders = { Accept: 'application/json', ...headers };
    const key = skey ? currentSkey() : null;
    if (key) requestHeaders['X-WX-Skey'] = key;
    let body;
    if (json !== undefined) {
        requestHeaders['Content-Type'] = 'application/json';
        body = JSON.stringify(json);
    }
    let response;
    try {
        response = await fetch(path, { method, headers: requestHeaders, body, cache: 'no-store' });
    } catch (error) {
        throw new ApiError(`网络错误 (network error): ${error.message}`);
    }
    const text = await response.text();
    let envelope;
    try {
        envelope = JSON.parse(text);
    } catch {
        throw new ApiError(`服务不可用 (HTTP ${response.status})`, { status: response.status });
    }
    if (isOk(envelope)) return envelope;
    if (key && isSkeyRefused(response.status, envelope)) clearSession();
    const words = serviceWords(envelope) ?? `HTTP ${response.status}`;
    throw new ApiError(words, { status: response.status, body: envelope });
}
