// Upload straight to the store with the album's form ticket (issue 11's contract):
//
//   1. GET  /applet/album/upload-form → data {key, imgUrl, url, fields, fileField, maxSize,
//      expiresIn}
//   2. POST multipart/form-data to data.url: every entry of `fields` in its order, then the
//      file LAST under `fileField` (S3/COS POST policies require the file to be the last
//      field). XMLHttpRequest, because fetch reports no upload progress. A 2xx answer means
//      stored: S3 answers 204 with an empty body, the album's own form target its envelope.
//   3. POST /applet/album/confirm {"key"} → data {imgUrl}; only then is the image listed
//      (the album checks its first bytes: "仅jpg/png格式", "单个不超过5MB", …).

import { ApiError, call } from '../api.js';
import { isOk, serviceWords, storeErrorWords } from '../envelope.js';

/** The parsed JSON of a response text, or null. */
function jsonOf(text) {
    try {
        return JSON.parse(text);
    } catch {
        return null;
    }
}

/** POSTs the form of `ticket` with `file`; `onProgress(fraction)` as bytes go out. */
export function postForm(ticket, file, onProgress = () => {}) {
    return new Promise((resolve, reject) => {
        const form = new FormData();
        for (const [name, value] of Object.entries(ticket.fields ?? {})) form.append(name, String(value));
        form.append(ticket.fileField || 'file', file, file.name || 'photo');
        const xhr = new XMLHttpRequest();
        xhr.open('POST', ticket.url);
        xhr.upload.addEventListener('progress', (event) => {
            if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
        });
        xhr.addEventListener('load', () => {
            const body = jsonOf(xhr.responseText);
            const envelope = body !== null && typeof body === 'object' && 'code' in body;
            if (xhr.status >= 200 && xhr.status < 300 && (!envelope || isOk(body))) {
                onProgress(1);
                resolve();
                return;
            }
            const words = (envelope ? serviceWords(body) : null) ??
                storeErrorWords(xhr.responseText) ??
                `上传失败 upload failed (HTTP ${xhr.status})`;
            reject(new ApiError(words, { status: xhr.status, body }));
        });
        xhr.addEventListener('error', () => {
            reject(new ApiError('上传失败：存储无法连接 (upload failed: the store did not answer)'));
        });
        xhr.addEventListener('abort', () => reject(new ApiError('上传已取消 (upload cancelled)')));
        xhr.send(form);
    });
}

/**
 * Uploads `file` and answers its image URL once the album has confirmed it. Throws ApiError
 * with the service's or the store's words.
 */
export async function uploadPhoto(file, onProgress) {
    const ticket = (await call('/applet/album/upload-form')).data;
    await postForm(ticket, file, onProgress);
    const confirmed = await call('/applet/album/confirm', { method: 'POST', json: { key: ticket.key } });
    return confirmed.data?.imgUrl || ticket.imgUrl;
}
