// Strokes as `actions` and their replay (public/js/draw/actions.js), on a recording stand-in
// for the 2D context (the browser test draws on a real canvas).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newPaintId, parseActions, replay, rgba, strokeActions } from '../../public/js/draw/actions.js';

/** Records the calls and property writes a CanvasRenderingContext2D would get. */
function recordingContext() {
    const calls = [];
    const target = {};
    return {
        calls,
        ctx: new Proxy(target, {
            get: (_, name) => (...args) => calls.push([name, ...args]),
            set: (_, name, value) => {
                calls.push([`${String(name)}=`, value]);
                return true;
            },
        }),
    };
}

test('a stroke is one save … restore group in the original shape', () => {
    const actions = strokeActions([[10.04, 20.06], [30, 40.55]], '#FF0000');
    assert.deepEqual(actions, [
        { method: 'save', data: [] },
        { method: 'setStrokeStyle', data: ['normal', [255, 0, 0, 255]] },
        { method: 'setLineWidth', data: [5] },
        { method: 'strokePath', data: [{ method: 'moveTo', data: [10, 20.1] }, { method: 'lineTo', data: [30, 40.6] }] },
        { method: 'restore', data: [] },
    ]);
});

test('a single tap still draws a dot', () => {
    const path = strokeActions([[5, 5]], '#666666')[3].data;
    assert.deepEqual(path.map((step) => step.method), ['moveTo', 'lineTo']);
});

test('replay strokes the path with the colour and width, at the scale given', () => {
    const { ctx, calls } = recordingContext();
    const strokes = replay(ctx, strokeActions([[0, 0], [30, 60]], '#0000FF'), 1 / 3);
    assert.equal(strokes, 1);
    assert.deepEqual(calls, [
        ['save'], ['scale', 1 / 3, 1 / 3], ['lineCap=', 'round'], ['lineJoin=', 'round'],
        ['save'], ['strokeStyle=', 'rgba(0, 0, 255, 1)'], ['lineWidth=', 5],
        ['beginPath'], ['moveTo', 0, 0], ['lineTo', 30, 60], ['stroke'],
        ['restore'], ['restore'],
    ]);
});

test('replay takes flat canvas actions and CSS colours too, and skips unknown methods', () => {
    const { ctx, calls } = recordingContext();
    const strokes = replay(ctx, [
        { method: 'setStrokeStyle', data: ['#FFA500'] },
        { method: 'beginPath', data: [] },
        { method: 'moveTo', data: [1, 2] },
        { method: 'lineTo', data: [3, 4] },
        { method: 'stroke', data: [] },
        { method: 'drawImage', data: ['x.png', 0, 0] },
    ]);
    assert.equal(strokes, 1);
    assert.ok(calls.some(([name, value]) => name === 'strokeStyle=' && value === '#FFA500'));
    assert.ok(!calls.some(([name]) => name === 'drawImage'));
});

test('actions that are not an array of actions parse to nothing', () => {
    assert.deepEqual(parseActions('not json'), []);
    assert.deepEqual(parseActions('{"method":"save"}'), []);
    assert.deepEqual(parseActions('[1,{"method":"save","data":[]},null]'), [{ method: 'save', data: [] }]);
});

test('colours and ids', () => {
    assert.deepEqual(rgba('#8A2BE2'), [138, 43, 226, 255]);
    assert.equal(newPaintId(0, () => 0), '0000000');
    assert.match(newPaintId(), /^[0-9a-z]{10,}$/);
});
