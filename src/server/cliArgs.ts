import { parseArgs } from 'node:util';
import { originOf } from './cors';
import { isLoopback } from './security';

/** The model behind the served runtime: the offline tutor, a Chat Completions or a Responses model. */
export type ModelChoice =
  { kind: 'tutor' } | { kind: 'chat'; name: string } | { kind: 'responses'; name: string };

/** What the command line asks for. */
export type CliCommand =
  | { kind: 'help' }
  | { kind: 'version' }
  | {
      kind: 'serve';
      host: string;
      port: number;
      apiKey?: string;
      model: ModelChoice;
      /** The browser origins allowed (`--cors`). */
      cors?: string[];
      /** `--insecure`: a non-loopback host without a key. */
      insecure?: true;
      /** Where data lives (`--db`, or `DATABASE_URL`); none: in memory. */
      db?: DbChoice;
      /** `--lease-ttl`: how long a run's lease lasts unless renewed, in ms. */
      leaseTtl?: number;
    };

/** Where the served runtime keeps its data: PGlite in a directory, or a Postgres server. */
export type DbChoice = { kind: 'pglite'; dir: string } | { kind: 'postgres'; url: string };

/** A command line that cannot be run: the CLI prints the usage and exits with 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The CLI's help text. */
export const USAGE = `Usage: rx-assistants serve [options]

Serves the Assistants API (REST + SSE) on an embedded runtime, for the
official SDKs: point them at the printed base URL.

Options:
  --port <n>          port to listen on (default 8787; 0 = any free port)
  --host <host>       interface to bind (default 127.0.0.1, loopback only);
                      any other needs --api-key or --insecure
  --api-key <key>     require "Authorization: Bearer <key>" on every request
                      (or set RX_ASSISTANTS_API_KEY, which keeps it out of ps)
  --model <model>     tutor (default): the offline demo model
                      chat:<name>: <name> on a Chat Completions endpoint, from
                      OPENAI_BASE_URL and OPENAI_API_KEY
                      responses:<name>: <name> on OpenAI's Responses API, from
                      the same variables
  --db <where>        where data lives (default: memory, lost on exit):
                      <dir>: PGlite (embedded Postgres) in that directory;
                      postgres://...: a Postgres server (or set DATABASE_URL),
                      which several servers may share
  --lease-ttl <ms>    with --db: how long a run's lease lasts unless renewed
                      (default 30000); the runs of a server that stops are
                      taken up by another (or by it, restarted) after this
  --cors <origins>    browser origins allowed to call the API, comma-separated,
                      such as http://127.0.0.1:5173 (default: none)
  --insecure          allow a non-loopback --host without --api-key
  -h, --help          show this help
  -v, --version       print the version of rx-assistants
`;

function portOf(text: string | undefined): number {
  if (text === undefined) return 8787;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) {
    throw new UsageError(`--port must be an integer from 0 to 65535, got '${text}'`);
  }
  return port;
}

function modelOf(text: string | undefined): ModelChoice {
  if (text === undefined || text === 'tutor') return { kind: 'tutor' };
  const chat = /^chat:(.+)$/.exec(text);
  if (chat) return { kind: 'chat', name: chat[1]! };
  const responses = /^responses:(.+)$/.exec(text);
  if (responses) return { kind: 'responses', name: responses[1]! };
  throw new UsageError(
    `--model must be 'tutor', 'chat:<name>' or 'responses:<name>', got '${text}'`,
  );
}

function corsOf(text: string): string[] {
  const origins = text.split(',').map((origin) => origin.trim());
  try {
    return origins.map((origin) => originOf(origin, '--cors'));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/**
 * Reads the command line (without `node` and the script).
 *
 * @param argv The arguments, such as `['serve', '--port', '0']`.
 * @param env Where `RX_ASSISTANTS_API_KEY` is read when `--api-key` is absent.
 * @throws {UsageError} On an unknown command or option, or a bad value.
 */
export function parseCliArgs(
  argv: readonly string[],
  env: Record<string, string | undefined> = {},
): CliCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'api-key': { type: 'string' },
        model: { type: 'string' },
        cors: { type: 'string' },
        db: { type: 'string' },
        'lease-ttl': { type: 'string' },
        insecure: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  const [command, ...rest] = positionals;
  if (command === undefined) throw new UsageError('Missing command: serve');
  if (command !== 'serve') throw new UsageError(`Unknown command '${command}'`);
  if (rest.length > 0) throw new UsageError(`Unexpected argument '${rest[0]}'`);
  if (values.host === '') throw new UsageError('--host must not be empty');
  const apiKey = values['api-key'] ?? env['RX_ASSISTANTS_API_KEY'];
  if (apiKey === '') throw new UsageError('The API key must not be empty');
  const host = values.host ?? '127.0.0.1';
  if (!isLoopback(host) && apiKey === undefined && !values.insecure) {
    throw new UsageError(
      `--host ${host} is not loopback: set --api-key (or RX_ASSISTANTS_API_KEY), ` +
        'or pass --insecure to let anyone who reaches it use the server',
    );
  }
  const cors = values.cors === undefined ? undefined : corsOf(values.cors);
  const db = dbOf(values.db ?? env['DATABASE_URL']);
  if (values['lease-ttl'] !== undefined && db === undefined) {
    throw new UsageError('--lease-ttl needs --db: runs in memory end with their server');
  }
  return {
    kind: 'serve',
    host,
    port: portOf(values.port),
    ...(apiKey === undefined ? {} : { apiKey }),
    model: modelOf(values.model),
    ...(cors === undefined ? {} : { cors }),
    ...(values.insecure ? { insecure: true as const } : {}),
    ...(db === undefined ? {} : { db }),
    ...(values['lease-ttl'] === undefined ? {} : { leaseTtl: leaseTtlOf(values['lease-ttl']) }),
  };
}

function leaseTtlOf(text: string): number {
  const ms = Number(text);
  if (!/^\d+$/.test(text) || ms < 100) {
    throw new UsageError(`--lease-ttl must be a whole number of ms, at least 100, got '${text}'`);
  }
  return ms;
}

function dbOf(text: string | undefined): DbChoice | undefined {
  if (text === undefined) return undefined;
  if (text === '') throw new UsageError('--db must not be empty');
  if (/^postgres(ql)?:\/\//i.test(text)) return { kind: 'postgres', url: text };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    throw new UsageError(`--db must be a directory or a postgres:// URL, got '${text}'`);
  }
  return { kind: 'pglite', dir: text };
}
