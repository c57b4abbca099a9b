// One file from one symbol server: attempts with back-off on transient failures, inside the file's
// deadline; the body kept in memory or streamed into a temporary file; progress reported and, on failure,
// its line ended. Says whether the server could be reached at all (only then is it disabled for the session).
import { rm } from 'node:fs/promises';
import { DEADLINE_TEXT, httpGet } from './http-get.js';
import { trackTemp, untrackTemp } from './temp-files.js';

/** A download's body: in memory, or in a temporary file (not yet in place; tracked: untrackTemp it once renamed or removed). */
export type Body = { bytes: Uint8Array; url: string } | { file: string; url: string };

export type Download = { kind: 'ok'; body: Body } | { kind: 'missing' } | { kind: 'failed'; reason: string; giveUpOnServer: boolean };

export interface DownloadOptions {
  timeoutMs: number;
  fileTimeoutMs: number;
  retries: number;
  retryDelayMs: number;
  maxBytes: number;
  env: Record<string, string | undefined>;
  userAgent: string;
  progress?: (p: { file: string; received: number; total?: number; done?: boolean; failed?: boolean }) => void;
  countRequest: () => void;
  /** A fresh temporary file name per attempt (then the body streams there), or none (kept in memory). */
  tempFile?: () => string;
}

export async function download(url: string, name: string, deadlineAt: number, o: DownloadOptions): Promise<Download> {
  let last = '';
  let giveUpOnServer = false;
  let attempts = 0;
  let drawn: { received: number; total?: number } | undefined;
  const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;
  for (let attempt = 0; attempt <= o.retries; attempt++) {
    if (attempt > 0) {
      const delay = o.retryDelayMs * 2 ** (attempt - 1);
      if (Date.now() + delay >= deadlineAt) break; // no time left for another try
      await new Promise((r) => setTimeout(r, delay));
    }
    o.countRequest();
    attempts++;
    // A fresh temporary name per attempt: a failed attempt's late writes can never land in the next one's file.
    // Tracked until the caller renames or removes it, so an interrupting signal removes it (temp-files.ts).
    const file = o.tempFile?.();
    if (file) trackTemp(file);
    const r = await httpGet(url, {
      timeoutMs: Math.max(1, Math.min(o.timeoutMs, deadlineAt - Date.now())),
      deadlineAt,
      deadlineMs: o.fileTimeoutMs,
      maxBytes: o.maxBytes,
      env: o.env,
      userAgent: o.userAgent,
      file,
      onProgress: o.progress
        ? (received, total) => {
            drawn = { received, total };
            o.progress?.({ file: name, received, total });
          }
        : undefined,
    });
    if (r.kind === 'ok') {
      o.progress?.({ file: name, received: r.size, total: r.size, done: true });
      return { kind: 'ok', body: r.body ? { bytes: r.body, url: r.url } : { file: file as string, url: r.url } };
    }
    if (file) {
      await rm(file, { force: true }).catch(() => {});
      untrackTemp(file);
    }
    if (r.kind === 'status' && (r.status === 404 || r.status === 410)) return { kind: 'missing' };
    last = r.kind === 'status' ? `${r.url}: HTTP ${r.status}` : `${r.url}: ${r.message}`;
    if (r.kind === 'status') {
      if (r.status < 500 && r.status !== 429 && r.status !== 408) break; // client errors do not improve
      continue;
    }
    if (r.message.startsWith(DEADLINE_TEXT)) {
      // A server that never answered is disabled like one that cannot be reached, so the next module's file
      // does not wait out a deadline of its own; one that answered slowly concerns this file only.
      giveUpOnServer = r.connection === true;
      last = giveUpOnServer ? `${r.url}: no answer in ${seconds(o.fileTimeoutMs)}` : `${r.url}: gave up, the file took longer than ${seconds(o.fileTimeoutMs)}`;
      break;
    }
    if (/cut off/.test(r.message)) continue; // a dropped connection is worth another try
    // Refused, unresolvable, stalled, a bad redirect, over the size limit: retrying will not help. Only a
    // server that could not be reached at all is not asked for other files; a bad answer concerns this file.
    giveUpOnServer = r.connection === true;
    break;
  }
  // A progress line that was drawn is ended, so the next message starts on a line of its own.
  if (drawn) o.progress?.({ file: name, ...drawn, failed: true });
  return { kind: 'failed', reason: `${last} (${attempts} attempt${attempts === 1 ? '' : 's'})`, giveUpOnServer };
}
