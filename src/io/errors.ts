// Typed errors shared by every layer. Messages say what is wrong and where (file offset or address),
// because users receive dumps from crashed, sometimes hostile machines and need to know why one fails.

/** Base class of every error dumpscope raises on purpose. Anything else is a bug. */
export class DumpscopeError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A read asked for bytes beyond the end of a byte source (file, blob, buffer). */
export class ReadPastEndError extends DumpscopeError {
  constructor(
    readonly source: string,
    readonly offset: number,
    readonly length: number,
    readonly size: number,
  ) {
    super(
      `${source}: read of ${length} byte(s) at offset 0x${offset.toString(16)} goes past the end of the data (size 0x${size.toString(16)})`,
      'READ_PAST_END',
    );
  }
}

/** A file's bytes do not follow the format they claim. `offset` is the file (or stream) offset of the bad field. */
export class FormatError extends DumpscopeError {
  constructor(
    readonly format: string,
    readonly what: string,
    readonly offset?: number,
  ) {
    super(`${format}: ${what}${offset === undefined ? '' : ` (at offset 0x${offset.toString(16)})`}`, 'BAD_FORMAT');
  }
}

/** Memory the question needs is not in this dump (or is not mapped). `address` is virtual or physical as `space` says. */
export class MemoryNotPresentError extends DumpscopeError {
  constructor(
    readonly space: 'virtual' | 'physical',
    readonly address: bigint,
    readonly reason: string,
  ) {
    super(`${space} address 0x${address.toString(16)} is not readable: ${reason}`, 'MEMORY_NOT_PRESENT');
  }
}

/** A feature exists in the format but dumpscope does not handle it (yet), e.g. ARM64 translation. */
export class UnsupportedError extends DumpscopeError {
  constructor(what: string) {
    super(what, 'UNSUPPORTED');
  }
}

/** A loop bound (list walk, stack walk, type recursion) was hit: the data is cyclic or absurdly large. */
export class LimitExceededError extends DumpscopeError {
  constructor(what: string, readonly limit: number) {
    super(`${what}: stopped after ${limit} steps (cyclic or corrupted data?)`, 'LIMIT_EXCEEDED');
  }
}
