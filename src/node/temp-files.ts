// Temporary files that become real files by a rename (dumps being written, symbol downloads): one naming
// scheme, `TARGET.tmp-PID-UNIQUE`, removal on the signals that would end the process, and removal of those
// left by processes that were killed outright (SIGKILL, a power cut) the next time their directory is written.
import { randomBytes } from 'node:crypto';
import { closeSync, unlinkSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Temporary files not yet renamed into place or removed, with a descriptor to close first (if known). */
const pending = new Map<string, number | undefined>();
/** The signals that end a process by default, with the shell's exit code for each (128 + number). */
const SIGNALS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129, SIGQUIT: 131 } as const;
type Signal = keyof typeof SIGNALS;

/** A temporary name beside `final`: never the final name, unique per process and call. */
export function tempName(final: string): string {
  return `${final}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
}

/** Removes every pending temporary file now (synchronously: this runs on the way out of the process). */
function removePending(): void {
  for (const [tmp, fd] of pending) {
    try {
      if (fd !== undefined) closeSync(fd); // Windows cannot unlink an open file
    } catch {}
    try {
      unlinkSync(tmp);
    } catch {}
  }
  pending.clear();
}

// These handlers only stand in for the signal's default action (ending the process): when something else
// listens too (the shell aborts the running command on SIGINT and carries on), the process goes on and the
// temporary files are removed by the code that made them. (A closed terminal sends SIGHUP, Ctrl-\ SIGQUIT.)
function onSignal(signal: Signal): void {
  if (process.listenerCount(signal) > 1) return;
  removePending();
  process.exit(SIGNALS[signal]);
}

/** Registers a temporary file for removal if the process is interrupted; the handlers go with the last one. */
export function trackTemp(tmp: string, fd?: number): void {
  if (pending.size === 0) for (const s of Object.keys(SIGNALS) as Signal[]) process.on(s, onSignal);
  pending.set(tmp, fd);
}

/** The file was renamed into place or removed: nothing to clean up for it any more. */
export function untrackTemp(tmp: string): void {
  if (!pending.delete(tmp) || pending.size > 0) return;
  for (const s of Object.keys(SIGNALS) as Signal[]) process.off(s, onSignal);
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // someone else's process: alive
  }
}

/**
 * Removes `TARGET.tmp-PID-UNIQUE` files whose process is gone, never a live writer's (this process's
 * pending ones included). Returns the names removed.
 */
export async function removeStaleTemps(target: string): Promise<string[]> {
  const dir = dirname(target);
  const prefix = `${basename(target)}.tmp-`;
  const names = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(\d+)-[0-9a-f]+$/.exec(name.slice(prefix.length));
    if (!m) continue;
    const pid = Number(m[1]);
    const path = join(dir, name);
    if (pending.has(path) || (pid !== process.pid && running(pid))) continue;
    await rm(path, { force: true }).catch(() => {});
    removed.push(name);
  }
  return removed;
}
