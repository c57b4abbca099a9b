// Child process for download-signals.test.ts: downloads amdppm.pdb from the server at argv[3] into the cache
// argv[2] (the server trickles it, so the download is still running when the test sends a signal).
import { SymbolStore } from '../../src/node/symbol-store.js';
import { parseSymbolPath } from '../../src/symbols/symbol-path.js';

const [cache, url] = process.argv.slice(2);
const s = new SymbolStore(parseSymbolPath(`srv*${cache}*${url}`), { defaultCache: cache, retries: 0 });
const r = await s.findPdb({ name: 'amdppm.pdb', guid: '1C19FDDB27BB3399D9B45973EFEAFCF3', age: 1 });
process.stdout.write(`finished: ${r.found}\n`);
