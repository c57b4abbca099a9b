// The platform-neutral core library. Nothing reachable from here imports Node.
export * from './io/errors.js';
export * from './io/byte-source.js';
export * from './io/buffer-source.js';
export * from './io/blob-source.js';
export * from './io/page-cache.js';
export * from './io/bytes.js';
export * from './util/hex.js';
export * from './memory/physical.js';
export * from './memory/address-space.js';
export * from './symbols/types.js';
export * from './symbols/symbol-source.js';
