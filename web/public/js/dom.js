// Small DOM helpers shared by the pages: element creation and the in-page notices that show
// a service's own words (role=alert for errors, role=status for progress and outcomes).

/**
 * Creates an element. `attrs`: `class`, `on<event>` listeners, `hidden`/`disabled`/`checked`
 * as booleans, `value` as a property, anything else as an attribute (null/false: left out).
 * Children may be nodes, strings, arrays of them, or null/false (skipped).
 */
export function h(tag, attrs = {}, ...children) {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
        if (value == null || value === false) continue;
        if (name.startsWith('on') && typeof value === 'function') {
            el.addEventListener(name.slice(2), value);
        } else if (name === 'class') {
            el.className = value;
        } else if (name === 'value') {
            el.value = value;
        } else {
            el.setAttribute(name, value === true ? '' : String(value));
        }
    }
    el.append(...children.flat(Infinity).filter((child) => child != null && child !== false));
    return el;
}

/** An alert paragraph (hidden while empty) for a page's errors. */
export function alertBox() {
    return h('p', { class: 'notice error', role: 'alert', hidden: true });
}

/** A status paragraph (hidden while empty) for outcomes the page reports politely. */
export function statusBox() {
    return h('p', { class: 'notice', role: 'status', 'aria-live': 'polite', hidden: true });
}

/** Shows `message` in a box from alertBox/statusBox; an empty message hides the box. */
export function say(box, message) {
    box.textContent = message || '';
    box.hidden = !message;
}

/** The message of whatever was thrown, for a notice. */
export function messageOf(error) {
    return error instanceof Error ? error.message : String(error);
}

/** An avatar image that falls back to a local picture when its URL does not load (the
 * robot's and the seeded comments' avatars are on the internet). */
export function avatarImg(src, alt, fallback = 'img/avatars/guest.svg', extra = {}) {
    const img = h('img', { class: 'avatar', src: src || fallback, alt, ...extra });
    img.addEventListener('error', () => {
        if (!img.src.endsWith(fallback)) img.src = fallback;
    }, { once: true });
    return img;
}

