// The library (media_updated and media_* events, in the contract's shapes: `ready` when playable),
// its storage, and the jobs: this page's uploads (bytes and speed from the upload itself) and every
// job's stages from the `progress` room (or the REST poll while the socket is down).
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { MediaFit, MediaItem, MediaProgress, MediaStorage } from '../../../core/protocol/index.js';
import { sendMultipart } from '../upload/multipart.js';
import { forgetPaused, pausedUploads, receivedOf, type PausedUpload } from '../upload/paused.js';
import { unreachable, type Sent } from '../upload/sent.js';
import { NoResumableUploads, sendTus } from '../upload/tus.js';
import { useAuth } from './auth.js';
import { useLive } from './live.js';
import { useToasts } from './toasts.js';

export interface Upload {
  id: number;
  file: File;
  name: string;
  size: number;
  sent: number;
  /** Bytes per second over the last progress interval. */
  speed: number;
  state: 'waiting' | 'uploading' | 'processing' | 'done' | 'failed';
  jobId: string | null;
  /** The server's words when it failed (shown behind "Details"). */
  error: string | null;
  /** Why it failed, as an error code (web/src/errors.ts: the plain sentence, whether Retry can help). */
  code: string | null;
  /** The same content was already in the library: that item's slug. */
  existing: string | null;
  /** It continues an upload a reloaded page left unfinished (tus): the bytes before were not sent again. */
  resumed: boolean;
}

/** How long finished rows stay once nothing uploads or converts. */
export const CLEAR_AFTER_MS = 5000;
const isFinished = (j: MediaProgress): boolean => j.stage === 'done' || j.stage === 'failed';

/** Finished jobs kept so an upload that learns its job id late still finds the outcome. */
const KEEP_FINISHED = 30;
/** Another page's upload with no progress for this long is no longer shown (it paused or went away). */
const QUIET_MS = 15_000;

export const useLibrary = defineStore('library', () => {
  const live = useLive();
  const toasts = useToasts();
  const items = ref<MediaItem[]>([]);
  const storage = ref<MediaStorage | null>(null);
  const jobs = ref<Record<string, MediaProgress>>({});
  const uploads = ref<Upload[]>([]);
  /** Jobs the person has put away (their upload dismissed, or another client's finished job). */
  const dismissed = ref<Set<string>>(new Set());
  let nextId = 1;

  live.conn.subscribe('dashboard');
  live.conn.subscribe('progress');
  live.conn.on('media_updated', (m) => {
    items.value = m.items;
    if (m.storage) storage.value = m.storage;
  });
  const upsert = (item: MediaItem | undefined): void => {
    if (!item) return;
    const i = items.value.findIndex((x) => x.slug === item.slug);
    items.value = i < 0 ? [...items.value, item] : items.value.map((x, j) => (j === i ? item : x));
  };
  live.conn.on('media_uploaded', (e) => upsert(e.item));
  live.conn.on('media_failed', (e) => upsert(e.item));
  live.conn.on('media_deleted', (e) => (items.value = items.value.filter((x) => x.slug !== e.slug)));
  /** When each job was last heard of (page time): an upload from another phone that went quiet (its link dropped) leaves the tray. */
  const heardAt = new Map<string, number>();
  const clock = ref(Date.now());
  setInterval(() => (clock.value = Date.now()), QUIET_MS / 3);
  const onJob = (p: MediaProgress): void => {
    heardAt.set(p.job_id, Date.now());
    const all = { ...jobs.value, [p.job_id]: p };
    const finished = Object.values(all).filter((j) => j.stage === 'done' || j.stage === 'failed');
    for (const old of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) delete all[old.job_id];
    jobs.value = all;
    // The server names the job while the bytes still flow; the upload of that file is this job.
    const sending = uploads.value.find((u) => u.state === 'uploading' && u.jobId === null && u.name === p.filename);
    if (sending && !uploads.value.some((u) => u.jobId === p.job_id)) patch(sending.id, { jobId: p.job_id });
    for (const u of uploads.value) if (u.jobId === p.job_id) settle(u);
  };
  live.conn.on('upload_progress', onJob);
  live.conn.on('processing_progress', onJob);

  const bySlug = computed(() => new Map(items.value.map((i) => [i.slug, i])));
  /** Jobs of other pages (or from before a reload) that no upload of this page owns. */
  const otherJobs = computed(() => {
    const mine = new Set(uploads.value.map((u) => u.jobId));
    const fresh = (j: MediaProgress): boolean => clock.value - (heardAt.get(j.job_id) ?? 0) < QUIET_MS;
    return Object.values(jobs.value).filter(
      (j) => !mine.has(j.job_id) && !dismissed.value.has(j.job_id) && (j.stage !== 'uploading' || fresh(j)),
    );
  });

  /** An upload whose bytes are in follows its job to done or failed (the upload's own answer wins). */
  function settle(u: Upload): void {
    const job = u.jobId ? jobs.value[u.jobId] : undefined;
    if (!job || u.state !== 'processing') return;
    if (job.stage === 'done') patch(u.id, { state: 'done' });
    // A file that cannot be converted fails the same way again: no Retry (`unsupported`).
    else if (job.stage === 'failed') patch(u.id, { state: 'failed', error: job.message ?? 'conversion failed', code: 'unsupported' });
  }

  function patch(id: number, p: Partial<Upload>): void {
    uploads.value = uploads.value.map((u) => (u.id === id ? { ...u, ...p } : u));
  }

  /** Uploads files one after another (a Pi's card and CPU do better with one stream at a time). */
  async function upload(files: File[]): Promise<void> {
    const added = files.map((file): Upload => ({
      id: nextId++,
      file,
      name: file.name,
      size: file.size,
      sent: 0,
      speed: 0,
      state: 'waiting',
      jobId: null,
      error: null,
      code: null,
      existing: null,
      resumed: false,
    }));
    uploads.value = [...uploads.value, ...added];
    for (const u of added) await send(u);
  }

  function retryUpload(id: number): Promise<void> {
    const u = uploads.value.find((x) => x.id === id);
    if (!u) return Promise.resolve();
    patch(id, { state: 'waiting', sent: 0, speed: 0, error: null, code: null, jobId: null, resumed: false });
    return send(u);
  }

  function dismissUpload(id: number): void {
    const jobId = uploads.value.find((u) => u.id === id)?.jobId;
    if (jobId) dismissJob(jobId);
    uploads.value = uploads.value.filter((u) => u.id !== id);
  }

  function dismissJob(jobId: string): void {
    dismissed.value = new Set([...dismissed.value, jobId]);
  }

  /** A Loop from before resumable uploads: multipart from then on (the fallback; a cut link restarts from zero). */
  let noTus = false;

  async function send(u: Upload): Promise<void> {
    let lastAt = performance.now();
    let lastBytes = 0;
    /** The first report only sets where counting starts: after a resume it is the device's offset, not speed. */
    let baseline = true;
    patch(u.id, { state: 'uploading' });
    const onProgress = (sent: number): void => {
      const t = performance.now();
      const dt = (t - lastAt) / 1000;
      // A retry after a cut steps back to the device's offset: that is not speed either.
      const speed = !baseline && dt > 0.2 && sent >= lastBytes ? (sent - lastBytes) / dt : undefined;
      if (baseline || speed !== undefined || sent < lastBytes) {
        lastAt = t;
        lastBytes = sent;
        baseline = false;
      }
      patch(u.id, { sent, ...(speed !== undefined ? { speed } : {}) });
    };
    let sent: Sent;
    try {
      sent = noTus
        ? await sendMultipart(u.file, onProgress)
        : await sendTus(u.file, {
            onProgress,
            onResume: () => patch(u.id, { resumed: true }),
            onJobId: (jobId) => patch(u.id, { jobId }),
          });
    } catch (err) {
      if (err instanceof NoResumableUploads) {
        noTus = true;
        sent = await sendMultipart(u.file, onProgress);
      } else {
        // The upload code itself did not load (the page was updated meanwhile, or the link dropped).
        sent = unreachable(err instanceof Error ? err.message : String(err));
      }
    }
    refreshPaused();
    settleSent(u, sent);
  }

  function settleSent(u: Upload, sent: Sent): void {
    if (!sent.ok) {
      if (sent.status === 401) void useAuth().loggedOut();
      patch(u.id, { state: 'failed', error: sent.message, code: sent.code });
      if (sent.code !== 'unreachable') toasts.error(sent.code, sent.message, u.name);
      return;
    }
    const taken = sent.result.items[0];
    // The item itself arrives as a media event (or the next poll), in the contract's words.
    const exists = taken?.result === 'exists';
    // A duplicate may answer no job id: keep the one its progress events named.
    const jobId = taken?.job_id ?? uploads.value.find((x) => x.id === u.id)?.jobId ?? null;
    patch(u.id, { sent: u.size, jobId, state: exists ? 'done' : 'processing', existing: exists ? (taken?.slug ?? null) : null });
    const cur = uploads.value.find((x) => x.id === u.id);
    if (cur) settle(cur);
  }

  /** Unfinished uploads from before a reload (this browser's localStorage), minus the files on the tray now. */
  const stored = ref<PausedUpload[]>([]);
  const paused = computed(() => stored.value.filter((p) => !uploads.value.some((u) => u.name === p.filename && u.size === p.size)));
  function refreshPaused(): void {
    const known = new Map(stored.value.map((p) => [p.key, p.received]));
    stored.value = pausedUploads().map((p) => ({ ...p, received: known.get(p.key) }));
  }
  /** Asks the device what it has of each: one it no longer has (expired) is forgotten here too. */
  async function checkPaused(): Promise<void> {
    refreshPaused();
    for (const p of stored.value) {
      const received = await receivedOf(p);
      if (received === null) localStorage.removeItem(p.key);
      else if (received !== undefined) stored.value = stored.value.map((x) => (x.key === p.key ? { ...x, received } : x));
    }
    refreshPaused();
  }
  async function forget(p: PausedUpload): Promise<void> {
    await forgetPaused(p);
    refreshPaused();
  }
  // Asked once the page may ask (logged in or open): a HEAD refused with 401 would only be noise.
  const auth = useAuth();
  watch(
    () => auth.checked && !auth.needsLogin,
    (may) => {
      if (may) void checkPaused();
    },
    { immediate: true },
  );

  /** Bytes are still to send from this page: leaving it would lose them. */
  const bytesPending = computed(() => uploads.value.some((u) => u.state === 'waiting' || u.state === 'uploading'));
  /** Anything uploads or converts, from this page or another: the tray stays pinned open. */
  const busy = computed(
    () => bytesPending.value || uploads.value.some((u) => u.state === 'processing') || otherJobs.value.some((j) => !isFinished(j)),
  );
  // Finished rows clear themselves a few seconds after the last work ended (failed ones wait to be read and dismissed).
  let clearTimer: ReturnType<typeof setTimeout> | null = null;
  watch(
    busy,
    (now) => {
      if (clearTimer) clearTimeout(clearTimer);
      clearTimer = now ? null : setTimeout(clearFinished, CLEAR_AFTER_MS);
    },
    { immediate: true },
  );
  function clearFinished(): void {
    for (const u of uploads.value.filter((x) => x.state === 'done')) dismissUpload(u.id);
    for (const j of otherJobs.value.filter((x) => x.stage === 'done')) dismissJob(j.job_id);
  }
  if (typeof addEventListener === 'function')
    addEventListener('beforeunload', (ev) => {
      if (!bytesPending.value) return;
      ev.preventDefault(); // the browser asks "Leave site?": an upload in flight would be lost
      ev.returnValue = '';
    });

  const retry = (slug: string) => live.command('media', 'retry', { slug });
  const remove = (slug: string) => live.command('media', 'delete', { slug });
  /** One item's fit (null: the default); it is converted again from its original. */
  const setFit = (slug: string, fit: MediaFit | null) => live.command('media', 'fit', { slug, fit });

  return {
    items,
    storage,
    jobs,
    uploads,
    paused,
    forget,
    bySlug,
    otherJobs,
    bytesPending,
    busy,
    upload,
    retryUpload,
    dismissUpload,
    dismissJob,
    retry,
    remove,
    setFit,
  };
});
