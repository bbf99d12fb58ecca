// The album's request shapes that the page computes itself. Pure (unit-tested in
// web/tests/unit/).

/**
 * The `filepath` of POST /applet/album/delete for image `url`: the original client's
 * `'/' + url.split('/').slice(3).join('/')` (spec/originals.md §1.2 — the URL's path with its
 * leading slash, still percent-encoded; the service decodes it), without a `?query` or
 * `#fragment` (signed URLs of a private bucket carry one).
 */
export function filepathOf(url) {
    const path = `/${String(url).split('/').slice(3).join('/')}`;
    return path.replace(/[?#].*$/, '');
}

/**
 * The list route for one page: `after` = the last image URL of the previous page (none for
 * the first), `mine` = only the logged-in user's photos.
 */
export function listPath({ after = null, mine = false } = {}) {
    const query = new URLSearchParams();
    if (after) query.set('after', after);
    if (mine) query.set('mine', '1');
    const search = query.toString();
    return `/applet/album/list${search ? `?${search}` : ''}`;
}
