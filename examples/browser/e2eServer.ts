import { fileURLToPath } from 'node:url';
import { startCli, type CliServer } from '../../test/browser/support/cli';

/** A running `rx-assistants serve`, from the packed package installed here. */
export type PackedCli = CliServer;

const bin = fileURLToPath(new URL('node_modules/.bin/rx-assistants', import.meta.url));

/**
 * Starts `rx-assistants serve --port 0 ...args` with the bin of the installed
 * tarball, and resolves once it prints its base URL.
 */
export const startPackedCli = (args: string[]): Promise<PackedCli> => startCli(args, bin);
