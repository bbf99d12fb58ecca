// Strokes as the drawing app's `actions` (spec/originals.md §3.2): the 2016 client sent
// JSON.stringify(wx.createContext().getActions()), which the service stores as an opaque
// string. This page writes the shape third-party emulations record for that API — one
// group per stroke:
//
//   {"method":"save","data":[]}
//   {"method":"setStrokeStyle","data":["normal",[r,g,b,a]]}
//   {"method":"setLineWidth","data":[5]}
//   {"method":"strokePath","data":[{"method":"moveTo","data":[x,y]},{"method":"lineTo","data":[x,y]},…]}
//   {"method":"restore","data":[]}
//
// and replays those onto a 2D canvas context at any scale (thumbnails are 1/3, as the
// original list page drew them). Unknown methods are skipped. Pure: the context is passed in.

/** The original client's colours and line width. */
export const COLOURS = [
    ['#666666', '灰 Grey'], ['#FF0000', '红 Red'], ['#FFA500', '橙 Orange'], ['#FFFF00', '黄 Yellow'],
    ['#008000', '绿 Green'], ['#0000FF', '蓝 Blue'], ['#8A2BE2', '紫 Violet'],
];
export const LINE_WIDTH = 5;

/** "#RRGGBB" → [r, g, b, 255]. */
export function rgba(hex) {
    const value = parseInt(hex.replace('#', ''), 16);
    return [(value >> 16) & 255, (value >> 8) & 255, value & 255, 255];
}

/** Coordinates are kept to 0.1 px: enough for a phone, a third of the bytes of full floats. */
const round = (n) => Math.round(n * 10) / 10;

/** One stroke's action group from its points [[x, y], …] (at least one) and colour. */
export function strokeActions(points, colour, width = LINE_WIDTH) {
    const path = points.map(([x, y], index) => ({ method: index === 0 ? 'moveTo' : 'lineTo', data: [round(x), round(y)] }));
    if (path.length === 1) path.push({ method: 'lineTo', data: [...path[0].data] });
    return [
        { method: 'save', data: [] },
        { method: 'setStrokeStyle', data: ['normal', rgba(colour)] },
        { method: 'setLineWidth', data: [width] },
        { method: 'strokePath', data: path },
        { method: 'restore', data: [] },
    ];
}

/** A colour of an action as CSS: ["normal",[r,g,b,a]] (a 0–255), "#hex" or a CSS string. */
function cssColour(data) {
    const value = Array.isArray(data) && data[0] === 'normal' ? data[1] : data[0] ?? data;
    if (Array.isArray(value) && value.length >= 3) {
        const [r, g, b, a = 255] = value.map(Number);
        return `rgba(${r}, ${g}, ${b}, ${a / 255})`;
    }
    return typeof value === 'string' ? value : '#666666';
}

/** Parses a paint's `actions` string; answers [] when it is not an array of actions. */
export function parseActions(text) {
    try {
        const actions = JSON.parse(text);
        return Array.isArray(actions) ? actions.filter((action) => action && typeof action.method === 'string') : [];
    } catch {
        return [];
    }
}

/** Draws `actions` onto `ctx` scaled by `scale`. Answers the number of strokes drawn. */
export function replay(ctx, actions, scale = 1) {
    let strokes = 0;
    ctx.save();
    ctx.scale(scale, scale);
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    const point = (action) => (Array.isArray(action.data) ? action.data.slice(0, 2).map(Number) : [0, 0]);
    const pathStep = (step) => {
        if (step.method === 'moveTo') ctx.moveTo(...point(step));
        else if (step.method === 'lineTo') ctx.lineTo(...point(step));
    };
    for (const action of actions) {
        switch (action.method) {
        case 'save': ctx.save(); break;
        case 'restore': ctx.restore(); break;
        case 'setStrokeStyle': ctx.strokeStyle = cssColour(action.data); break;
        case 'setLineWidth': ctx.lineWidth = Number(action.data?.[0]) || LINE_WIDTH; break;
        case 'beginPath': ctx.beginPath(); break;
        case 'moveTo':
        case 'lineTo': pathStep(action); break;
        case 'stroke': ctx.stroke(); strokes += 1; break;
        case 'strokePath':
            ctx.beginPath();
            for (const step of Array.isArray(action.data) ? action.data : []) pathStep(step);
            ctx.stroke();
            strokes += 1;
            break;
        default: break;
        }
    }
    ctx.restore();
    return strokes;
}

/** A fresh paint id: base 36, like the original client's uuid(). */
export function newPaintId(now = Date.now(), random = Math.random) {
    return `${now.toString(36)}${Math.floor(random() * 36 ** 6).toString(36).padStart(6, '0')}`;
}
