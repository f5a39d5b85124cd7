import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** A running `rx-assistants serve`, from the packed package installed here. */
export interface PackedCli {
  /** The base URL it printed, such as `http://127.0.0.1:41234/v1`. */
  url: string;
  /** Sends SIGTERM and resolves with its exit code once it has exited. */
  stop(): Promise<number | null>;
}

const bin = fileURLToPath(new URL('node_modules/.bin/rx-assistants', import.meta.url));

/**
 * Starts `rx-assistants serve --port 0 ...args` (the bin of the installed
 * tarball) and resolves once it prints its base URL, or rejects if it exits
 * first, with what it wrote on stderr.
 */
export async function startPackedCli(args: string[]): Promise<PackedCli> {
  const child = spawn(bin, ['serve', '--port', '0', ...args], {
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
    child.once('error', reject);
    void exited.then((code) =>
      reject(new Error(`rx-assistants serve exited with ${code} before listening:\n${stderr}`)),
    );
  });
  return {
    url,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
