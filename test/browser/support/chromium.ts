import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** The Chromium the browser tests drive: `CHROMIUM_PATH`, else Debian's `/usr/bin/chromium`. */
export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/**
 * Headless, no sandbox (tests run as root in CI), and quiet: no GPU, no QUIC,
 * no first-run, background, component or sync traffic. Nothing leaves loopback.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Host names that resolve to 127.0.0.1 in the browser, as a Chromium argument
 * (`--host-resolver-rules=MAP evil.example 127.0.0.1`): a page of that name
 * then reaches the loopback servers, as after a DNS rebinding.
 */
export function resolveToLoopback(...hosts: string[]): string {
  return `--host-resolver-rules=${hosts.map((host) => `MAP ${host} 127.0.0.1`).join(', ')}`;
}

/**
 * Launches the system Chromium (never a downloaded one) with a fresh profile
 * in a temporary directory, which Playwright removes on `close()`.
 *
 * @param args More Chromium arguments, such as {@link resolveToLoopback}'s.
 */
export async function launchChromium(args: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `No Chromium at ${CHROMIUM_PATH}: install it (apt-get install chromium) or set CHROMIUM_PATH.`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, ...args],
  });
}
