// Child process for file-sink.test.ts: opens a FileSink on argv[2], prints its temporary path once the first
// MiB is written, then keeps writing until it is killed.
import { FileSink } from '../../src/node/file-sink.js';

const sink = await FileSink.create(process.argv[2]);
const chunk = new Uint8Array(1 << 20).fill(0x5a);
await sink.write(0, chunk);
process.stdout.write(`${sink.tmp}\n`);
for (let i = 1; i < 100_000; i++) {
  await sink.write((i % 64) * chunk.length, chunk);
  await new Promise((r) => setTimeout(r, 2));
}
