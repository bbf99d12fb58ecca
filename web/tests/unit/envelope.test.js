// The pages' reading of the services' envelopes (public/js/envelope.js): the service's own
// words for every failure shape of spec/originals.md and proto/.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isOk, isSkeyRefused, serviceWords, storeErrorWords } from '../../public/js/envelope.js';

test('code 0 is success, anything else is not', () => {
    assert.ok(isOk({ code: 0, msg: 'ok', data: [] }));
    assert.ok(!isOk({ code: -1, msg: 'failed', data: {} }));
    assert.ok(!isOk({ F2C224D4: 1 }));
    assert.ok(!isOk(null));
    assert.ok(!isOk('ok'));
});

test('album refusals: msg, or the error message in data', () => {
    assert.equal(serviceWords({ code: -1, msg: '仅jpg/png格式', data: {} }), '仅jpg/png格式');
    assert.equal(serviceWords({ code: -1, msg: 'failed', data: { name: 'Error', message: 'operation forbidden' } }),
        'operation forbidden');
});

test('session refusals: error.message first, then error.reason', () => {
    assert.equal(serviceWords({ code: -1, msg: 'fail', error: { reason: 'openId does not exists' } }),
        'openId does not exists');
    assert.equal(serviceWords({
        code: -1, msg: 'fail',
        error: { reason: 'ERR_SKEY_INVALID', message: 'skey invalid or expired, log in again' },
    }), 'skey invalid or expired, log in again');
});

test('video refusals carry msg only', () => {
    assert.equal(serviceWords({ code: -1, msg: 'failed' }), 'failed');
});

test('no words in a body without any', () => {
    assert.equal(serviceWords({ code: -1 }), null);
    assert.equal(serviceWords({ code: -1, msg: '' }), null);
    assert.equal(serviceWords(null), null);
});

test('a refused skey: HTTP 401 or ERR_SKEY_INVALID', () => {
    assert.ok(isSkeyRefused(401, null));
    assert.ok(isSkeyRefused(200, { code: -1, error: { reason: 'ERR_SKEY_INVALID' } }));
    assert.ok(!isSkeyRefused(200, { code: -1, error: { reason: 'openId does not exists' } }));
    assert.ok(!isSkeyRefused(502, null));
});

test('S3 and COS XML errors read as "Message (Code)"', () => {
    const xml = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>EntityTooLarge</Code>' +
        '<Message>Your proposed upload exceeds the maximum allowed size</Message><Resource>/album</Resource></Error>';
    assert.equal(storeErrorWords(xml), 'Your proposed upload exceeds the maximum allowed size (EntityTooLarge)');
    assert.equal(storeErrorWords('<Error><Code>AccessDenied</Code></Error>'), 'AccessDenied');
    assert.equal(storeErrorWords(''), null);
    assert.equal(storeErrorWords('{"code":-1}'), null);
    assert.equal(storeErrorWords(undefined), null);
});
