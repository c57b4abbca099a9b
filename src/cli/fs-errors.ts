// File-system errors in words ("cannot open X: no such file or directory"), one table for every command,
// never Node's raw "ENOENT: …" text.
import { DumpscopeError } from '../io/errors.js';

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a component of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'it is a directory',
  ELOOP: 'too many symbolic links',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
};

/** `cannot VERB PATH: reason` for an error from the file system. */
export function fsError(verb: string, path: string, e: unknown): DumpscopeError {
  const code = (e as NodeJS.ErrnoException).code;
  return new DumpscopeError(`cannot ${verb} ${path}: ${REASONS[code ?? ''] ?? (e as Error).message}`, code ?? 'IO_ERROR');
}

/** Opening (or reading) a dump: file-system errors in words, anything else (format errors…) as it is. */
export function openError(e: unknown, path: string, verb = 'open'): unknown {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (e instanceof DumpscopeError || typeof code !== 'string' || !/^E[A-Z]+$/.test(code)) return e;
  return fsError(verb, path, e);
}
