/** Where a command writes: results to `stdout`, diagnostics to `stderr`. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** The process's own streams. */
export const processIo: CliIo = {
  stdout: (text) => {
    process.stdout.write(text);
  },
  stderr: (text) => {
    process.stderr.write(text);
  },
};

/** Exit codes of every command: 0 done, 1 failed while running, 2 wrong usage or input. */
export const exitCodes = { ok: 0, failed: 1, usage: 2 } as const;

/** A problem with how the command was called or with its input files: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
