// Paged lists (the album's grid, the trailers): one page load at a time behind a "load more"
// button, and infinite scroll.

import { say, messageOf } from './dom.js';

/**
 * Wraps `fetchPage` (→ Promise<boolean>: whether more may come) so that only one load runs at
 * a time: a call while one runs answers that one. Meanwhile `more` is disabled; a failure is
 * shown in `problem` and rethrown; `settled()` runs after every load.
 */
export function pageLoader(fetchPage, { more, problem, settled = () => {} }) {
    let running = null;
    return () => {
        running ??= (async () => {
            more.disabled = true;
            try {
                const result = await fetchPage();
                say(problem, '');
                return result;
            } catch (error) {
                say(problem, messageOf(error));
                throw error;
            } finally {
                running = null;
                more.disabled = false;
                settled();
            }
        })();
        return running;
    };
}

/**
 * Infinite scroll: calls `loadMore()` (→ Promise<boolean>: whether more may come) whenever
 * `sentinel`, placed after the list, comes within `margin` px of the viewport, and again after
 * each load while it is still that close (a short first page on a tall screen). Answers a
 * function that stops it. The sentinel's data-state says "loading" or "idle".
 */
export function infiniteScroll(sentinel, loadMore, margin = 200) {
    let running = false;
    let stopped = false;
    const near = () => sentinel.isConnected && sentinel.getBoundingClientRect().top < window.innerHeight + margin;
    async function fill() {
        if (running || stopped) return;
        running = true;
        sentinel.dataset.state = 'loading';
        try {
            while (!stopped && near() && await loadMore()) {
                // Let layout place what was added before measuring again.
                await new Promise((resolve) => requestAnimationFrame(resolve));
            }
        } catch {
            // The page shows the error; scrolling again retries.
        } finally {
            running = false;
            sentinel.dataset.state = 'idle';
        }
    }
    const observer = new IntersectionObserver((entries) => {
        if (entries.some((entry) => entry.isIntersecting)) fill();
    }, { rootMargin: `${margin}px` });
    observer.observe(sentinel);
    return () => {
        stopped = true;
        observer.disconnect();
    };
}
