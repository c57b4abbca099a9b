// What a file handed to us as a symbol file is, from its first bytes: a PDB, an ISF table (JSON or xz),
// or — so the refusal can say so — something else (a PE image, a dump, a cabinet…).

export type SymbolFileKind = 'pdb' | 'pdb2' | 'isf-json' | 'isf-xz' | 'other';

/** Bytes to read for sniff(): enough for every signature below. */
export const SNIFF_BYTES = 64;

const ascii = (b: Uint8Array, n: number) => new TextDecoder('latin1').decode(b.subarray(0, n));

export function sniffSymbolFile(head: Uint8Array): SymbolFileKind {
  const text = ascii(head, 40);
  if (text.startsWith('Microsoft C/C++ MSF 7.00\r\n\x1aDS')) return 'pdb';
  if (text.startsWith('Microsoft C/C++ program database 2.00')) return 'pdb2';
  if ([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00].every((v, i) => head[i] === v)) return 'isf-xz';
  let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0; // UTF-8 byte order mark
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x0a || head[i] === 0x0d || head[i] === 0x09)) i++;
  return head[i] === 0x7b ? 'isf-json' : 'other';
}

/** A short description of a file that is neither a PDB nor an ISF table, for the refusal message. */
export function describeOtherFile(head: Uint8Array): string {
  const t = ascii(head, 8);
  if (head.length === 0) return 'an empty file';
  if (t.startsWith('MZ')) return 'a PE image (EXE, DLL or SYS), not its PDB';
  if (t.startsWith('PAGEDU64') || t.startsWith('PAGEDUMP')) return 'a Windows kernel dump';
  if (t.startsWith('MDMP')) return 'a user-mode minidump';
  if (t.startsWith('MSCF')) return 'a CAB archive (a cabinet inside a cabinet, or one holding several files)';
  if (t.startsWith('\x7fELF')) return 'an ELF file';
  if (t.startsWith('PK\x03\x04')) return 'a ZIP archive';
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip-compressed data';
  // Web servers and proxies answer a missing file with an error or login page, sometimes with status 200.
  if (/^\s*<(!doctype\s+html|html|head|body)\b/i.test(ascii(head, Math.min(head.length, 64)))) return 'an HTML page (a web server\'s error or login page?)';
  if (/^\s*<\?xml/i.test(ascii(head, Math.min(head.length, 64)))) return 'an XML document';
  if (t.startsWith('BSJB')) return 'a .NET metadata blob';
  const hex = [...head.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  return `unknown data (first bytes ${hex})`;
}
