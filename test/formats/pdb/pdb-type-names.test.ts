// Type names in C's declarator spelling and the `pdb --type` layout's columns. Expected names come from
// the declarations in fixtures/pdb/src/types.c with the declared names taken out (C's abstract declarator:
// `long (*handlers[4])(void *context, unsigned int code)` is a `long (*[4])(void *, unsigned int)`).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { PdbFile } from '../../../src/formats/pdb/pdb.js';
import { FileSource } from '../../../src/node/file-source.js';
import { renderTypeLayout, typeLayout } from '../../../src/symbols/layout.js';
import { typeName } from '../../../src/symbols/types.js';
import { repo } from '../../helpers/corpus.js';

const source = readFileSync(repo('fixtures/pdb/src/types.c'), 'utf8');

/** A C declaration of `name` without the name and the parameter names. */
function abstractDeclarator(decl: string, name: string): string {
  return decl
    .replace(new RegExp(`\\b${name}\\b`), '')
    .replace(/\(([^()]*)\)\s*$/, (_m, params: string) => `(${params.split(',').map((p) => p.trim().replace(/\s*\b\w+$/, '')).join(', ')})`)
    .replace(/\s+/g, ' ')
    .trim();
}

test('function pointers and arrays of them are spelled as C declares them', async () => {
  const body = /struct everything \{([\s\S]*?)\n\};/.exec(source)![1];
  const handlers = /^\s*(long \(\*handlers\[4\]\)\([^)]*\));/m.exec(body)![1];
  const callback = /typedef (long \(\*callback_t\)\([^)]*\));/.exec(source)![1];
  const argv = /^\s*(char \*\*argv);/m.exec(body)![1];
  const src = await FileSource.open(repo('fixtures/pdb/bin/types.pdb'));
  try {
    const e = (await (await PdbFile.open(src)).types()).findType('everything');
    assert.ok(e?.kind === 'udt');
    const field = (n: string) => e.fields.find((f) => f.name === n)!.type;
    assert.equal(typeName(field('handlers')), abstractDeclarator(handlers, 'handlers'));
    assert.equal(typeName(field('handlers')), 'long (*[4])(void *, unsigned int)');
    assert.equal(typeName(field('cb')), abstractDeclarator(callback, 'callback_t'));
    assert.equal(typeName(field('argv')), 'char **');
    assert.equal(abstractDeclarator(argv, 'argv'), 'char **');

    // Offsets reach 0x1300 (`big` is 4608 bytes): every line pads its offset to the widest, so names line up.
    const lines = renderTypeLayout(typeLayout(e)).split('\n').slice(1);
    assert.ok(lines.some((l) => l.includes('+0x1300 after_big')));
    const nameColumn = new Set(lines.map((l) => /^ {3}\+0x[0-9a-f]+ /.exec(l)![0].length));
    assert.equal(nameColumn.size, 1, lines.join('\n'));
  } finally {
    await src.close();
  }
});
