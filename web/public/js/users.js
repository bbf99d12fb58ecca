// The developer login's test users and the avatars this site serves for them (wx-sim gives
// every code "{user}-{anything}" the same openid: README.md, wx-sim).

/** Users offered on the login page. */
export const TEST_USERS = ['alice', 'bob', 'carol', 'dave'];

/** A user name wx-sim accepts as a code prefix: no "-" (it ends the prefix), nothing odd. */
export const USER_NAME = /^[a-z0-9_]{1,32}$/;

/** Absolute URL of the avatar picture for `name` (any other name: the guest picture); absolute
 * because it travels to other clients (game rooms, comments). */
export function avatarUrl(name) {
    const file = TEST_USERS.includes(name) ? name : 'guest';
    return new URL(`img/avatars/${file}.svg`, document.baseURI).href;
}

/** `bytes` random bytes as lowercase hex (crypto.getRandomValues works on plain HTTP too). */
export function randomHex(bytes) {
    const buffer = crypto.getRandomValues(new Uint8Array(bytes));
    return Array.from(buffer, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
