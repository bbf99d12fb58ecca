// The services' JSON envelopes, read the way the pages need them. Pure functions (no DOM),
// unit-tested in web/tests/unit/.
//
//   album, video   {"code":0|-1,"msg":…,"data":…}; album's refusals put {"name","message"} in
//                  data (spec/originals.md §1.2)
//   session        {"code":0|-1,"msg":"success"|"fail","data"|"error":{"reason","message"?}}
//                  (§3.2, §7.2)

/** True for an envelope that reports success (`code` 0). */
export function isOk(body) {
    return body !== null && typeof body === 'object' && body.code === 0;
}

/**
 * The service's own words for a failed envelope: the most specific message it carries
 * (`error.message`, `error.reason`, `data.message`), else `msg`; null when there is none.
 */
export function serviceWords(body) {
    if (body === null || typeof body !== 'object') return null;
    const candidates = [body.error?.message, body.error?.reason, body.data?.message, body.msg];
    const words = candidates.find((text) => typeof text === 'string' && text !== '');
    return words ?? null;
}

/** True when a session envelope says the skey is missing, unknown or expired (log in again). */
export function isSkeyRefused(status, body) {
    return status === 401 || body?.error?.reason === 'ERR_SKEY_INVALID';
}

/**
 * The text of an S3/COS XML error document (`<Error><Code>…</Code><Message>…</Message>`),
 * as "Message (Code)"; null when `text` is not one. Regular expressions rather than a DOM
 * parser so that it runs anywhere.
 */
export function storeErrorWords(text) {
    if (typeof text !== 'string' || !text.includes('<Error')) return null;
    const field = (name) => text.match(new RegExp(`<${name}>([^<]*)</${name}>`))?.[1]?.trim() ?? '';
    const code = field('Code');
    const message = field('Message');
    if (!code && !message) return null;
    if (!message) return code;
    return code ? `${message} (${code})` : message;
}
