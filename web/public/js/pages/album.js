// 相册 Album (spec/originals.md §1, issue 11's routes): the grid newest first with paging,
// upload from the file picker or the camera straight to the store with a progress bar, the
// full-screen preview with delete. Errors appear in the page in the service's words.

import { h, alertBox, statusBox, say, messageOf } from '../dom.js';
import { infiniteScroll, pageLoader } from '../paging.js';
import { call } from '../api.js';
import { currentSession } from '../session.js';
import { filepathOf, listPath } from '../album/paths.js';
import { uploadPhoto } from '../album/upload.js';
import { openPreview } from '../album/preview.js';

export function mount(root) {
    const session = currentSession();
    const photos = [];
    let done = false;
    let mine = false;
    let closePreview = null;

    const problem = alertBox();
    const status = statusBox();
    const grid = h('ul', { class: 'photo-grid', 'aria-label': '照片 Photos' });
    const empty = h('p', { class: 'muted', hidden: true }, '还没有照片 No photos yet');
    const more = h('button', { type: 'button', class: 'more' }, '加载更多 Load more');
    const end = h('p', { class: 'muted end', hidden: true }, '没有更多了 That is all');
    const sentinel = h('div', { class: 'sentinel', 'aria-hidden': 'true' });
    const progress = h('progress', { max: '1', value: '0', 'aria-label': '上传进度 Upload progress', hidden: true });

    const picker = h('input', { type: 'file', accept: 'image/*', class: 'visually-hidden' });
    const camera = h('input', { type: 'file', accept: 'image/*', capture: 'environment', class: 'visually-hidden' });
    const mineBox = h('input', { type: 'checkbox' });

    function thumb(url) {
        const button = h('button', { type: 'button', class: 'thumb' },
            h('img', { src: url, alt: '', loading: 'lazy', decoding: 'async' }));
        button.addEventListener('click', () => preview(url));
        return h('li', { 'data-url': url }, button);
    }

    function render() {
        grid.replaceChildren(...photos.map((url, index) => {
            const item = thumb(url);
            item.firstChild.setAttribute('aria-label', `查看照片 ${index + 1} View photo ${index + 1}`);
            return item;
        }));
        empty.hidden = !(done && photos.length === 0);
        more.hidden = done;
        end.hidden = !(done && photos.length > 0);
    }

    /** Fetches the next page; answers true when photos were added. */
    const loadPage = pageLoader(async () => {
        const page = (await call(listPath({ after: photos.at(-1) ?? null, mine }))).data ?? [];
        if (page.length === 0) done = true;
        const fresh = page.filter((url) => !photos.includes(url));
        photos.push(...fresh);
        return fresh.length > 0;
    }, { more, problem, settled: render });
    const loadMore = () => (done ? Promise.resolve(false) : loadPage());

    function reload() {
        photos.length = 0;
        done = false;
        render();
        loadMore().catch(() => {});
    }

    async function remove(url) {
        await call('/applet/album/delete', { method: 'POST', json: { filepath: filepathOf(url) } });
        const at = photos.indexOf(url);
        if (at >= 0) photos.splice(at, 1);
        render();
        say(status, '已删除 Deleted');
    }

    function preview(url) {
        const index = photos.indexOf(url);
        if (index < 0) return;
        closePreview = openPreview(photos, index, {
            loadMore,
            hasMore: () => !done,
            remove,
            onClose: () => {
                closePreview = null;
                grid.querySelector(`li[data-url="${CSS.escape(photos[Math.min(index, photos.length - 1)] ?? '')}"] button`)?.focus();
            },
        });
    }

    async function upload(input) {
        const file = input.files?.[0];
        input.value = '';
        if (!file) return;
        say(problem, '');
        say(status, `上传中 Uploading ${file.name}…`);
        progress.value = 0;
        progress.hidden = false;
        picker.disabled = camera.disabled = true;
        try {
            const url = await uploadPhoto(file, (fraction) => {
                progress.value = fraction;
            });
            if (!photos.includes(url)) photos.unshift(url);
            render();
            say(status, '上传成功 Uploaded');
        } catch (error) {
            say(status, '');
            say(problem, messageOf(error));
        } finally {
            progress.hidden = true;
            picker.disabled = camera.disabled = false;
        }
    }

    picker.addEventListener('change', () => upload(picker));
    camera.addEventListener('change', () => upload(camera));
    more.addEventListener('click', () => loadMore().catch(() => {}));
    mineBox.addEventListener('change', () => {
        mine = mineBox.checked;
        reload();
    });

    root.append(
        h('h1', {}, '相册 Album'),
        h('div', { class: 'toolbar' },
            h('label', { class: 'button primary' }, '选择照片 Choose photo', picker),
            h('label', { class: 'button' }, '拍照 Take photo', camera),
            session ? h('label', { class: 'check' }, mineBox, '只看我的 Mine only') : null),
        progress,
        status,
        problem,
        grid,
        empty,
        more,
        end,
        sentinel,
    );

    // Infinite scroll: the next page loads when the end of the grid comes into view.
    const stopScrolling = infiniteScroll(sentinel, loadMore);
    reload();

    return () => {
        stopScrolling();
        closePreview?.();
    };
}
