// A CLI subcommand: `dumpscope NAME …`. Each lives in src/cli/commands/NAME.ts and is listed in registry.ts.
export interface CliCommand {
  name: string;
  /** One line for `dumpscope --help`. */
  summary: string;
  /** Full usage text for `dumpscope NAME --help`. */
  usage: string;
  /** Returns the process exit code. Writes its output through `io`. */
  run(args: string[], io: CliIo): Promise<number>;
}

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** True when stderr is a terminal (progress bars). */
  readonly stderrIsTty: boolean;
  /** Writes to stderr as-is (no newline added): progress bars redraw a line in place. */
  errRaw?(text: string): void;
  readonly env: Record<string, string | undefined>;
}

/** Raised for bad command-line usage: printed with the command's usage, exit code 2. */
export class UsageError extends Error {}
