import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { createEngine } from '../../src/commands/registry.js';
import { Session } from '../../src/commands/session.js';
import { bugcheckName } from '../../src/formats/kernel-dump/bugcheck-name.js';
import { describeError, ntstatusName } from '../../src/knowledge/errors.js';
import { repo } from '../helpers/corpus.js';

test('!error gives WinDbg\'s layout for the walkthroughs\' codes, with our own descriptions', async () => {
  const engine = createEngine();
  const [a, b] = await engine.run(new Session(), '!error 0C000009Ah; !error ffffffffc0000005');
  assert.match(a.text, /^Error code: \(NTSTATUS\) 0xc000009a \(3221225626\) - Not enough system resources/);
  assert.match(b.text, /^Error code: \(NTSTATUS\) 0xc0000005 \(3221225477\) - Access violation/);
});

test('names come from the headers; other codes get derived descriptions; HRESULT wrappers unwrap', () => {
  assert.equal(ntstatusName(0xc0000034), 'STATUS_OBJECT_NAME_NOT_FOUND');
  const d = describeError(0xc0000022);
  assert.equal(d[0].name, 'STATUS_ACCESS_DENIED');
  const derived = describeError(0xc0000032); // STATUS_DISK_CORRUPT_ERROR has no hand-written text
  assert.equal(derived[0].derived, true);
  assert.equal(derived[0].description, 'Disk corrupt error.');
  assert.ok(describeError(0x80070005).some((e) => e.name === 'E_ACCESSDENIED' || e.name === 'HRESULT_FROM_WIN32(ERROR_ACCESS_DENIED)'));
  assert.ok(describeError(2).some((e) => e.kind === 'Win32' && e.name === 'ERROR_FILE_NOT_FOUND'));
  assert.equal(describeError(0xe1234567)[0].description, 'Unknown error code.');
  assert.equal(bugcheckName(0x0a), 'IRQL_NOT_LESS_OR_EQUAL');
  assert.equal(bugcheckName(0x1000007e), 'SYSTEM_THREAD_EXCEPTION_NOT_HANDLED_M');
  assert.equal(bugcheckName(0x77), 'KERNEL_STACK_INPAGE_ERROR'); // from bugcodes.h
});

test('generated tables are up to date with the mingw-w64 headers', { skip: existsSync('/usr/share/mingw-w64/include/ntstatus.h') ? false : 'mingw-w64-common headers are not installed' }, () => {
  execFileSync(process.execPath, [repo('scripts/gen-error-tables.mjs'), '--check'], { stdio: 'pipe' });
});
