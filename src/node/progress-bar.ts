// A one-line download progress bar for terminals: redrawn in place with a carriage return.
import type { DownloadProgress } from './symbol-store.js';

const WIDTH = 24;

function size(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${Math.ceil(n / 1024)} KiB`;
}

/** The text to write to stderr for one progress update (no trailing newline until done or failed). */
export function renderProgress(p: DownloadProgress): string {
  const frac = p.total ? Math.min(1, p.received / p.total) : undefined;
  const bar = frac === undefined ? '' : `[${'#'.repeat(Math.round(frac * WIDTH)).padEnd(WIDTH, '.')}] `;
  const of = p.total ? ` of ${size(p.total)}` : '';
  return `\r\x1b[2K${bar}${p.file} ${size(p.received)}${of}${p.done ? ' done\n' : p.failed ? ' failed\n' : ''}`;
}
