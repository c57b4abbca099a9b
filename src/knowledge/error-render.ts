// WinDbg's one-line `!error` layout: `Error code: (NTSTATUS) 0xc000009a (3221225626) - <description>`.
import type { ErrorInfo } from './errors.js';

export function renderErrorLine(e: ErrorInfo): string {
  const head = `Error code: (${e.kind}) 0x${e.code.toString(16)} (${e.code}) - ${e.description}`;
  // Text made from the symbolic name says so, so nobody mistakes it for a written explanation.
  if (e.derived && e.name) return `${head} [${e.name}; text derived from the name]`;
  if (e.wrapped) return `${head} [${e.name}]`;
  return head;
}
