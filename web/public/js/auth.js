// The developer login through wx-sim and the logout (session service, spec/originals.md
// §7.2): GET /applet/session/login with x-wx-code → {skey, userinfo, expires_in}.

import { call } from './api.js';
import { clearSession, currentSession, saveSession } from './session.js';
import { USER_NAME, randomHex } from './users.js';

/**
 * Logs in as test user `name`: a fresh code "{name}-{random}" (wx-sim: same openid for every
 * code of a user, each code usable once) exchanged for an skey. Answers the new session.
 * Throws ApiError with the service's words.
 */
export async function login(name) {
    if (!USER_NAME.test(name)) throw new Error(`不是有效的用户名: ${name}`);
    const code = `${name}-${randomHex(8)}`;
    const answer = await call('/applet/session/login', { headers: { 'x-wx-code': code }, skey: false });
    return saveSession(name, answer.data);
}

/** Revokes the skey at the service, then forgets it here (also when the service had already
 * forgotten it). Throws ApiError when the service could not be asked. */
export async function logout() {
    if (!currentSession()) return;
    try {
        await call('/applet/session/logout', { method: 'POST' });
    } catch (error) {
        if (error.status !== 401) throw error;
    }
    clearSession();
}
