// The two WinDbg walkthroughs (../shared/reference) as expected output: a command's block as the walkthrough
// shows it. Tests that need them skip, saying why, when the folder is absent.
import { existsSync, readFileSync } from 'node:fs';
import { repo } from './corpus.js';

export const WALK50 = repo('../shared/reference/walkthrough-bugcheck-0x50-000_00f47b712fb2cc93.md');
export const WALK7E = repo('../shared/reference/walkthrough-bugcheck-0x7e-001_cbe3b53bd4d35d2f.md');

export function skipUnlessWalkthroughs(): false | string {
  return existsSync(WALK50) && existsSync(WALK7E) ? false : '../shared/reference (the WinDbg walkthroughs) is not present';
}

/**
 * The output lines of `N: kd> COMMAND` in a walkthrough, up to the closing fence. The author's annotations
 * (` --> …` after WinDbg's text) and trailing blanks are removed.
 */
export function walkthroughBlock(path: string, command: string): string[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const at = lines.findIndex((l) => /^\d+: kd> /.test(l) && l.replace(/^\d+: kd> /, '') === command);
  if (at < 0) throw new Error(`${path} has no '${command}' block`);
  return lines.slice(at + 1, lines.indexOf('```', at)).map((l) => l.replace(/ +--> .*$/, '').trimEnd());
}
