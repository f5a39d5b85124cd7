import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));

/** A running `rx-assistants serve`. */
export interface CliServer {
  /** The base URL it printed, such as `http://127.0.0.1:41234/v1`. */
  url: string;
  port: number;
  /** What it wrote on stderr so far. */
  stderr(): string;
  /** Sends SIGTERM and resolves with its exit code once it has exited. */
  stop(): Promise<number | null>;
}

/**
 * Starts the real CLI, `rx-assistants serve --port 0 ...args`, and resolves
 * once it prints its base URL, or rejects if it exits first (with its
 * stderr). By default from the sources (`tsx src/server/cli.ts`); `bin` runs
 * another, such as the bin of a packed package installed by an example.
 */
export async function startCli(args: string[], bin?: string): Promise<CliServer> {
  const [command, prefix] = bin ? [bin, []] : ['node_modules/.bin/tsx', ['src/server/cli.ts']];
  const child = spawn(command, [...prefix, 'serve', '--port', '0', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /http:\/\/127\.0\.0\.1:\d+\/v1/.exec(stdout);
      if (match) resolve(match[0]);
    });
    void exited.then((code) =>
      reject(new Error(`rx-assistants serve exited with ${code} before listening:\n${stderr}`)),
    );
  });
  return {
    url,
    port: Number(new URL(url).port),
    stderr: () => stderr,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
