import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { createEngine } from '../../src/commands/registry.js';
import { Session } from '../../src/commands/session.js';
import { tableEntries } from '../../src/knowledge/code-table.js';
import { HRESULT_TEXT } from '../../src/knowledge/descriptions/hresult.js';
import { NTSTATUS_TEXT } from '../../src/knowledge/descriptions/ntstatus.js';
import { WIN32_TEXT } from '../../src/knowledge/descriptions/win32.js';
import { renderErrorLine } from '../../src/knowledge/error-render.js';
import { describeError, hresultName, lookupError, ntstatusName, win32Name } from '../../src/knowledge/errors.js';
import { HRESULT_TABLE } from '../../src/knowledge/generated/hresult.js';
import { NTSTATUS_TABLE } from '../../src/knowledge/generated/ntstatus.js';
import { WIN32_TABLE } from '../../src/knowledge/generated/win32.js';
import { repo } from '../helpers/corpus.js';
import { fuzzParams } from '../helpers/fuzz-budget.js';

const INCLUDE = '/usr/share/mingw-w64/include';
const headers = existsSync(`${INCLUDE}/ntstatus.h`) && existsSync(`${INCLUDE}/winerror.h`);
const noHeaders = headers ? false : 'mingw-w64-common headers are not installed';

/** Value of `#define NAME …` in a header, read with a plain search (independent of the generator's parsing). */
function headerValue(file: string, name: string): number {
  const line = readFileSync(`${INCLUDE}/${file}`, 'utf8').split('\n').find((l) => new RegExp(`^#define\\s+${name}\\s`).test(l));
  assert.ok(line, `${name} is in ${file}`);
  const m = /0x[0-9A-Fa-f]+|\b\d+\b/.exec(line.slice(line.indexOf(name) + name.length));
  assert.ok(m);
  return Number(m[0]) >>> 0;
}

test('!error prints WinDbg\'s layout for the walkthroughs\' codes (64-bit sign-extended input too)', async () => {
  const engine = createEngine();
  const [a, b] = await engine.run(new Session(), '!error 0C000009Ah; !error ffffffffc0000005');
  // Layout and numbers from the walkthroughs: "Error code: (NTSTATUS) 0xc000009a (3221225626) - …".
  assert.match(a.text, /^Error code: \(NTSTATUS\) 0xc000009a \(3221225626\) - \S/);
  assert.match(b.text, /^Error code: \(NTSTATUS\) 0xc0000005 \(3221225477\) - Access violation/);
  // Our own words, not Microsoft's.
  assert.doesNotMatch(a.text, /Insufficient system resources exist to complete the API/);
  assert.doesNotMatch(b.text, /referenced memory at 0x%p/);
});

test('names agree with the headers for codes met in crash analysis', { skip: noHeaders }, () => {
  for (const name of ['STATUS_ACCESS_VIOLATION', 'STATUS_INSUFFICIENT_RESOURCES', 'STATUS_STACK_BUFFER_OVERRUN', 'STATUS_IN_PAGE_ERROR', 'STATUS_HEAP_CORRUPTION', 'STATUS_OBJECT_NAME_NOT_FOUND', 'STATUS_BREAKPOINT']) {
    assert.equal(ntstatusName(headerValue('ntstatus.h', name)), name);
  }
  for (const name of ['ERROR_FILE_NOT_FOUND', 'ERROR_ACCESS_DENIED', 'ERROR_INVALID_PARAMETER', 'ERROR_NOT_ENOUGH_MEMORY']) assert.equal(win32Name(headerValue('winerror.h', name)), name);
  for (const name of ['E_FAIL', 'E_INVALIDARG', 'E_NOINTERFACE', 'E_POINTER']) assert.equal(hresultName(headerValue('winerror.h', name)), name);
});

test('values from first principles: fail-fast, breakpoint, Winsock base', () => {
  assert.equal(ntstatusName(0xc0000409), 'STATUS_STACK_BUFFER_OVERRUN');
  assert.equal(ntstatusName(0x80000003), 'STATUS_BREAKPOINT');
  assert.equal(ntstatusName(0xc00000fd), 'STATUS_STACK_OVERFLOW');
  assert.equal(win32Name(10000 + 60), 'WSAETIMEDOUT'); // WSABASEERR + 60
  assert.equal(hresultName(0), 'S_OK');
  assert.equal(win32Name(0), 'ERROR_SUCCESS');
});

test('every hand-written description names a code in the tables, and there are enough of them', () => {
  const names = (table: string) => new Set(tableEntries(table).map(([, n]) => n));
  const nt = names(NTSTATUS_TABLE);
  for (const k of Object.keys(NTSTATUS_TEXT)) assert.ok(nt.has(k), k);
  const w = names(WIN32_TABLE);
  for (const k of Object.keys(WIN32_TEXT)) assert.ok(w.has(k), k);
  const h = names(HRESULT_TABLE);
  for (const k of Object.keys(HRESULT_TEXT)) assert.ok(h.has(k), k);
  assert.ok(Object.keys(NTSTATUS_TEXT).length >= 150);
  assert.ok(Object.keys(WIN32_TEXT).length >= 100);
  assert.ok(Object.keys(HRESULT_TEXT).length >= 30);
});

test('other codes get a name-derived description, marked derived', () => {
  assert.equal(lookupError(0xc0000005).best.derived, false);
  const lonely = lookupError(0xc0000467).best; // STATUS_FILE_NOT_AVAILABLE
  assert.equal(lonely.name, 'STATUS_FILE_NOT_AVAILABLE');
  assert.equal(lonely.derived, true);
  assert.equal(lonely.description, 'File not available.');
  assert.match(renderErrorLine(lonely), /\[STATUS_FILE_NOT_AVAILABLE; text derived from the name\]$/);
  const unknown = lookupError(0xe1234567).best;
  assert.equal(unknown.description, 'Unknown error code.');
  assert.equal(unknown.derived, true);
});

test('NTSTATUS severity, facility and customer bits', () => {
  const av = lookupError(0xc0000005).best;
  assert.equal(av.severity, 'Error');
  assert.deepEqual(av.facility, { value: 0, name: undefined });
  assert.equal(av.customer, false);
  const bp = lookupError(0x80000003).best;
  assert.equal(bp.severity, 'Warning');
  const dbg = lookupError(0x40010006).best; // DBG_PRINTEXCEPTION_C: informational, facility DEBUGGER (1)
  assert.equal(dbg.name, 'DBG_PRINTEXCEPTION_C');
  assert.equal(dbg.severity, 'Informational');
  assert.deepEqual(dbg.facility, { value: 1, name: 'DEBUGGER' });
  const custom = lookupError(0xe0434352).best; // the CLR's exception code: customer bit set, unknown to the headers
  assert.equal(custom.customer, true);
  assert.equal(custom.kind, 'NTSTATUS');
});

test('HRESULT_FROM_WIN32 and HRESULT_FROM_NT unwrap to the code inside', () => {
  const all = describeError(0x80070005);
  assert.equal(all[0].name, 'E_ACCESSDENIED');
  const wrapped = all.find((e) => e.wrapped?.kind === 'Win32');
  assert.deepEqual(wrapped?.wrapped, { kind: 'Win32', code: 5, name: 'ERROR_ACCESS_DENIED' });
  assert.deepEqual(wrapped?.facility, { value: 7, name: 'WIN32' });
  const nt = describeError(0xd0000022).find((e) => e.wrapped?.kind === 'NTSTATUS');
  assert.equal(nt?.name, 'HRESULT_FROM_NT(STATUS_ACCESS_DENIED)');
  assert.ok(describeError(2).some((e) => e.kind === 'Win32' && e.name === 'ERROR_FILE_NOT_FOUND'));
});

test('property: any value gives a reading of its own 32 bits; sign extension changes nothing', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), (v) => {
      const r = describeError(v);
      assert.ok(r.length >= 1);
      for (const e of r) assert.equal(e.code, v);
      const extended = v >= 0x80000000 ? BigInt(v) | 0xffffffff00000000n : BigInt(v);
      assert.deepEqual(describeError(extended), r);
    }),
    fuzzParams(8, 2000),
  );
});

test('property: HRESULT_FROM_WIN32 of every named Win32 code is recognised', () => {
  const codes = tableEntries(WIN32_TABLE).map(([c]) => c).filter((c) => c > 0 && c < 0x10000);
  fc.assert(
    fc.property(fc.constantFrom(...codes), (w) => {
      const hr = (0x80070000 | w) >>> 0;
      assert.ok(describeError(hr).some((e) => e.wrapped?.code === w && e.wrapped.name === win32Name(w)));
    }),
    fuzzParams(8, 500, 4),
  );
});

test('generated tables are up to date with the mingw-w64 headers', { skip: noHeaders }, () => {
  execFileSync(process.execPath, [repo('scripts/gen-error-tables.mjs'), '--check'], { stdio: 'pipe' });
});
