// The logged-in user of this tab: the skey session the session service issued
// (GET /applet/session/login, spec/originals.md §7.2), kept in sessionStorage so that it
// lives as long as the tab and is never shared with other tabs or written to disk by us.

const STORAGE_KEY = 'weapp.session';
/** Fired on `window` whenever the session starts or ends. */
export const SESSION_EVENT = 'weapp-session';

/**
 * The stored session `{skey, name, openId, expiresAt}` (expiresAt in ms since the epoch),
 * or null when there is none or it has expired (then it is removed).
 */
export function currentSession() {
    let session = null;
    try {
        session = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || 'null');
    } catch {
        session = null;
    }
    if (!session || typeof session.skey !== 'string') return null;
    if (Date.now() >= session.expiresAt) {
        clearSession();
        return null;
    }
    return session;
}

/** The skey to send as `X-WX-Skey`, or null when logged out. */
export function currentSkey() {
    return currentSession()?.skey ?? null;
}

/** Stores a new session from the login answer's `data` (`expires_in` in seconds). */
export function saveSession(name, data) {
    const session = {
        skey: data.skey,
        name,
        openId: data.userinfo?.openId ?? '',
        expiresAt: Date.now() + Number(data.expires_in) * 1000,
    };
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
    window.dispatchEvent(new CustomEvent(SESSION_EVENT, { detail: session }));
    return session;
}

/** Forgets the session (logout, or the service said the skey is no longer valid). */
export function clearSession() {
    const had = sessionStorage.getItem(STORAGE_KEY) !== null;
    sessionStorage.removeItem(STORAGE_KEY);
    if (had) window.dispatchEvent(new CustomEvent(SESSION_EVENT, { detail: null }));
}
