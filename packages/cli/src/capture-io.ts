import type { CliIo } from './cli-io.js';

/**
 * A `CliIo` that keeps what a command writes, for tests: run a command with `io`, then read
 * `output.stdout` and `output.stderr`.
 */
export function captureIo(): { io: CliIo; output: { stdout: string; stderr: string } } {
  const output = { stdout: '', stderr: '' };
  return {
    output,
    io: {
      stdout: (text) => {
        output.stdout += text;
      },
      stderr: (text) => {
        output.stderr += text;
      },
    },
  };
}
