// The album's full-screen preview: one photo at a time, previous/next by button, arrow keys
// or a horizontal swipe, Escape to close, and delete (the original's preview action sheet,
// spec/originals.md §1.3).

import { h, alertBox, say, messageOf } from '../dom.js';

/** Horizontal travel (CSS px) that counts as a swipe rather than a tap. */
const SWIPE_PX = 40;

/**
 * Opens the preview on `photos[index]`. `photos` is the page's own array (newest first), read
 * anew at every step so that pages loaded meanwhile count. Options:
 * - `loadMore()` → Promise<boolean>: fetches the next page (true if photos were added);
 * - `hasMore()` → boolean: whether the album may have photos beyond `photos`;
 * - `remove(url)` → Promise: deletes a photo (throws with the service's words), then the
 *   page removes it from `photos`;
 * - `onClose()`: called once the dialog is gone.
 * Answers a function that closes the preview.
 */
export function openPreview(photos, index, { loadMore, hasMore, remove, onClose }) {
    let current = index;
    let busy = false;
    const problem = alertBox();
    const image = h('img', { class: 'preview-image', alt: '', draggable: 'false' });
    const counter = h('p', { class: 'preview-counter', 'aria-live': 'polite' });
    const previous = h('button', { type: 'button', 'aria-label': '上一张 Previous' }, '‹');
    const next = h('button', { type: 'button', 'aria-label': '下一张 Next' }, '›');
    const erase = h('button', { type: 'button', class: 'danger' }, '删除 Delete');
    const close = h('button', { type: 'button', class: 'preview-close' }, '关闭 Close');
    const stage = h('div', { class: 'preview-stage' }, image);
    const dialog = h('div', {
        class: 'preview', role: 'dialog', 'aria-modal': 'true', 'aria-label': '照片预览 Photo preview',
    }, h('div', { class: 'preview-bar' }, counter, erase, close), stage,
    h('div', { class: 'preview-nav' }, previous, next), problem);

    function show() {
        const url = photos[current];
        image.src = url;
        image.alt = `照片 ${current + 1} Photo ${current + 1}`;
        dialog.dataset.url = url;
        counter.textContent = `${current + 1} / ${photos.length}`;
        previous.disabled = current === 0;
        next.disabled = current >= photos.length - 1 && !hasMore();
        say(problem, '');
    }

    async function step(delta) {
        if (busy) return;
        let target = current + delta;
        if (target < 0) return;
        if (target >= photos.length) {
            busy = true;
            const added = await loadMore().catch((error) => {
                say(problem, messageOf(error));
                return false;
            });
            busy = false;
            if (!added || target >= photos.length) return;
        }
        current = target;
        show();
    }

    async function deleteCurrent() {
        if (busy) return;
        busy = true;
        erase.disabled = true;
        try {
            await remove(photos[current]);
            if (photos.length === 0) {
                closePreview();
                return;
            }
            current = Math.min(current, photos.length - 1);
            show();
        } catch (error) {
            say(problem, messageOf(error));
        } finally {
            busy = false;
            erase.disabled = false;
        }
    }

    function onKey(event) {
        if (event.key === 'ArrowLeft') step(-1);
        else if (event.key === 'ArrowRight') step(1);
        else if (event.key === 'Escape') closePreview();
        else return;
        event.preventDefault();
    }

    let startX = null;
    stage.addEventListener('pointerdown', (event) => {
        startX = event.clientX;
        stage.setPointerCapture(event.pointerId);
    });
    stage.addEventListener('pointerup', (event) => {
        if (startX === null) return;
        const travel = event.clientX - startX;
        startX = null;
        // Finger to the left: the next (older) photo, as in a phone's gallery.
        if (travel <= -SWIPE_PX) step(1);
        else if (travel >= SWIPE_PX) step(-1);
    });
    stage.addEventListener('pointercancel', () => {
        startX = null;
    });

    previous.addEventListener('click', () => step(-1));
    next.addEventListener('click', () => step(1));
    erase.addEventListener('click', deleteCurrent);
    close.addEventListener('click', () => closePreview());
    document.addEventListener('keydown', onKey);

    let open = true;
    function closePreview() {
        if (!open) return;
        open = false;
        document.removeEventListener('keydown', onKey);
        dialog.remove();
        document.body.classList.remove('no-scroll');
        onClose?.();
    }

    document.body.append(dialog);
    document.body.classList.add('no-scroll');
    show();
    close.focus();
    return closePreview;
}
