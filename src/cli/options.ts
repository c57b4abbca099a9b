// Options shared by the subcommands that open a dump.
import { UsageError } from './command.js';

export interface CommonOptions {
  dump?: string;
  sympath?: string;
  offline: boolean;
  /** --symbol-timeout SECONDS: the most one symbol file may take from a server (symbols' SymbolStore). */
  symbolTimeout?: number;
  json: boolean;
  markdown: boolean;
  commands: string[];
  rest: string[];
}

export function parseCommonOptions(args: string[], allow: { commands?: boolean } = {}): CommonOptions {
  const o: CommonOptions = { offline: false, json: false, markdown: false, commands: [], rest: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '-y' || a === '--sympath') o.sympath = value();
    else if (a.startsWith('--sympath=')) o.sympath = a.slice(10);
    else if (a === '--offline') o.offline = true;
    else if (a === '--symbol-timeout' || a.startsWith('--symbol-timeout=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : value();
      o.symbolTimeout = Number(v);
      if (!(o.symbolTimeout > 0 && o.symbolTimeout <= 86400)) throw new UsageError(`--symbol-timeout needs a number of seconds (got ${v})`);
    }
    else if (a === '--json') o.json = true;
    else if (a === '--markdown') o.markdown = true;
    else if (allow.commands && (a === '-c' || a === '--commands')) o.commands.push(value());
    else if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option ${a}`);
    else if (!o.dump) o.dump = a;
    else o.rest.push(a);
  }
  return o;
}
