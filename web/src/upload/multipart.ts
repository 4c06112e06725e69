// The multipart fallback: one POST /api/media for the whole file. Used only when the server has no
// tus route (a Loop from before resumable uploads answers 404 there); a cut link restarts from zero.
import type { Sent } from './sent.js';
import { sentFrom, unreachable } from './sent.js';

export function sendMultipart(file: File, onProgress: (sent: number) => void): Promise<Sent> {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    const form = new FormData();
    form.append('files', file, file.name);
    // The request's bytes include the form's framing: never more than the file says.
    xhr.upload.onprogress = (ev) => onProgress(Math.min(ev.loaded, file.size));
    xhr.onload = () => resolve(sentFrom(xhr.status, xhr.responseText));
    xhr.onerror = () => resolve(unreachable('the upload was interrupted'));
    xhr.open('POST', '/api/media');
    xhr.setRequestHeader('accept', 'application/json');
    xhr.send(form);
  });
}
