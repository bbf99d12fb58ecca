// 一笔到底 Drawing (spec/originals.md §3.2), behind login: a canvas that records strokes as
// `actions`, save (POST /applet/session/paints/save {id, actions}), one's drawings replayed as
// thumbnails (GET …/paints/list), open one to go on drawing, delete (POST …/paints/delete {id}).

import { h, alertBox, statusBox, say, messageOf } from '../dom.js';
import { call } from '../api.js';
import { currentSession } from '../session.js';
import { COLOURS, newPaintId, parseActions, replay, strokeActions } from '../draw/actions.js';

/** The drawing's own coordinate space (CSS px of a phone-sized canvas); thumbnails are 1/3. */
const WIDTH = 360;
const HEIGHT = 480;
const THUMB_SCALE = 1 / 3;
/** Points closer than this (in drawing px) to the previous one add nothing visible. */
const MIN_STEP = 1.5;
/** Canvas pixels per CSS pixel, so that strokes stay sharp on a phone's screen. */
const DPR = Math.min(Math.max(window.devicePixelRatio || 1, 1), 3);

function paintCanvas(width, height, label) {
    return h('canvas', { width: Math.round(width * DPR), height: Math.round(height * DPR), role: 'img', 'aria-label': label });
}

/** Draws `actions` (drawing coordinates) at `scale` CSS px per drawing px; answers the strokes. */
function redraw(canvas, actions, scale = 1) {
    const ctx = canvas.getContext('2d');
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    return replay(ctx, actions, scale * DPR);
}

export function mount(root) {
    if (!currentSession()) {
        root.append(h('h1', {}, '一笔到底 Drawing'),
            h('p', {}, '画画需要登录，每个人只看到自己的画。 Log in to draw; everyone sees only their own drawings.'),
            h('p', {}, h('a', { href: '#/login?next=/draw', class: 'button primary' }, '登录 Log in')));
        return undefined;
    }

    let paintId = newPaintId();
    let actions = [];
    let colour = COLOURS[0][0];
    let stroke = null;

    const problem = alertBox();
    const status = statusBox();
    const canvas = h('canvas', { class: 'board', width: WIDTH * DPR, height: HEIGHT * DPR, tabindex: '0',
        'aria-label': '画布：按住拖动来画 Canvas: press and drag to draw' });
    const save = h('button', { type: 'button', class: 'primary', disabled: true }, '保存 Save');
    const fresh = h('button', { type: 'button' }, '新画 New drawing');
    const list = h('ul', { class: 'paints', 'aria-label': '我的画 My drawings' });
    const none = h('p', { class: 'muted', hidden: true }, '还没有画 No drawings yet');
    const palette = h('fieldset', { class: 'palette' }, h('legend', {}, '颜色 Colour'),
        COLOURS.map(([value, name], index) => {
            const swatch = h('label', { class: 'swatch' },
                h('input', { type: 'radio', name: 'colour', value, checked: index === 0, 'aria-label': name,
                    onchange: () => { colour = value; } }));
            // A CSS property set from script: the site's CSP allows no inline style attribute.
            swatch.style.setProperty('--swatch', value);
            return swatch;
        }));

    function toDrawing(event) {
        const box = canvas.getBoundingClientRect();
        return [(event.clientX - box.left) * (WIDTH / box.width), (event.clientY - box.top) * (HEIGHT / box.height)];
    }

    canvas.addEventListener('pointerdown', (event) => {
        if (event.button !== 0) return;
        canvas.setPointerCapture(event.pointerId);
        stroke = { points: [toDrawing(event)], colour };
        event.preventDefault();
    });
    canvas.addEventListener('pointermove', (event) => {
        if (!stroke) return;
        const [x, y] = toDrawing(event);
        const [px, py] = stroke.points.at(-1);
        if (Math.hypot(x - px, y - py) < MIN_STEP) return;
        stroke.points.push([x, y]);
        redraw(canvas, [...actions, ...strokeActions(stroke.points, stroke.colour)]);
    });
    const finish = () => {
        if (!stroke) return;
        actions = [...actions, ...strokeActions(stroke.points, stroke.colour)];
        stroke = null;
        canvas.dataset.strokes = String(redraw(canvas, actions));
        save.disabled = false;
        say(status, '');
    };
    canvas.addEventListener('pointerup', finish);
    canvas.addEventListener('pointercancel', finish);

    function start(id, withActions) {
        paintId = id;
        actions = withActions;
        canvas.dataset.paintId = id;
        canvas.dataset.strokes = String(redraw(canvas, actions));
        save.disabled = actions.length === 0;
        for (const item of list.children) item.classList.toggle('current', item.dataset.id === id);
    }

    function thumbnail(paint) {
        const parsed = parseActions(paint.actions);
        const picture = paintCanvas(WIDTH * THUMB_SCALE, HEIGHT * THUMB_SCALE, `画 Drawing ${paint.id}`);
        picture.dataset.strokes = String(redraw(picture, parsed, THUMB_SCALE));
        const open = h('button', { type: 'button', class: 'thumb', 'aria-label': `打开 Open ${paint.id}` }, picture);
        open.addEventListener('click', () => {
            start(paint.id, parsed);
            say(status, `正在编辑 Editing ${paint.id}`);
            canvas.focus();
        });
        const erase = h('button', { type: 'button', class: 'danger small', 'aria-label': `删除 Delete ${paint.id}` }, '删除');
        erase.addEventListener('click', () => removePaint(paint.id, erase));
        return h('li', { 'data-id': paint.id, class: paint.id === paintId ? 'current' : null }, open, erase);
    }

    async function refresh() {
        try {
            const answer = await call('/applet/session/paints/list');
            const paints = Array.isArray(answer.data) ? answer.data : [];
            list.replaceChildren(...paints.map(thumbnail));
            none.hidden = paints.length > 0;
        } catch (error) {
            say(problem, messageOf(error));
        }
    }

    async function removePaint(id, button) {
        button.disabled = true;
        say(problem, '');
        try {
            await call('/applet/session/paints/delete', { method: 'POST', json: { id } });
            if (id === paintId) start(newPaintId(), actions);
            say(status, '已删除 Deleted');
            await refresh();
        } catch (error) {
            say(problem, messageOf(error));
            button.disabled = false;
        }
    }

    save.addEventListener('click', async () => {
        save.disabled = true;
        say(problem, '');
        try {
            await call('/applet/session/paints/save', { method: 'POST', json: { id: paintId, actions: JSON.stringify(actions) } });
            say(status, '已保存 Saved');
            await refresh();
        } catch (error) {
            say(problem, messageOf(error));
        } finally {
            save.disabled = actions.length === 0;
        }
    });
    fresh.addEventListener('click', () => {
        start(newPaintId(), []);
        say(status, '');
    });

    root.append(
        h('h1', {}, '一笔到底 Drawing'),
        palette,
        canvas,
        h('div', { class: 'actions' }, save, fresh),
        status,
        problem,
        h('h2', {}, '我的画 My drawings'),
        none,
        list,
    );
    start(paintId, []);
    refresh();
    return undefined;
}
