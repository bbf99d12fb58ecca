// The album requests the page computes (public/js/album/paths.js).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filepathOf, listPath } from '../../public/js/album/paths.js';

test('filepath is the URL path, as the original client computed it', () => {
    assert.equal(filepathOf('http://album-1250000000.costj.myqcloud.com/1494900000000-Hk3x9a.jpg'),
        '/1494900000000-Hk3x9a.jpg');
    // Path-style S3 URLs keep the bucket in the path, as the original split would.
    assert.equal(filepathOf('http://127.0.0.1:8333/album/photos/1494900000000-abc.png'), '/album/photos/1494900000000-abc.png');
});

test('filepath leaves percent-encoding to the service and drops query and fragment', () => {
    assert.equal(filepathOf('https://cdn.example.com/a%20b/%E7%8C%AB.jpg?sign=q-sign-algorithm%3Dsha1&x=1'),
        '/a%20b/%E7%8C%AB.jpg');
    assert.equal(filepathOf('https://cdn.example.com/x.jpg#top'), '/x.jpg');
});

test('the list path carries the cursor and the mine flag only when given', () => {
    assert.equal(listPath(), '/applet/album/list');
    assert.equal(listPath({ mine: true }), '/applet/album/list?mine=1');
    assert.equal(listPath({ after: 'http://127.0.0.1:8333/album/1-a.jpg?x=1&y=2' }),
        '/applet/album/list?after=http%3A%2F%2F127.0.0.1%3A8333%2Falbum%2F1-a.jpg%3Fx%3D1%26y%3D2');
    assert.equal(listPath({ after: 'u', mine: true }), '/applet/album/list?after=u&mine=1');
});
