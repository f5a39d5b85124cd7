// The command line `rx-assistants serve` (built as dist/cli.js, with its shebang).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { lastValueFrom } from 'rxjs';
import { redactSecrets } from '../errors/RxAssistantsError';
import { chatCompletionsModel, localBackend, responsesModel } from '../local';
import { parseCliArgs, USAGE, UsageError, type ModelChoice } from './cliArgs';
import { isLoopback } from './security';
import { openStore } from './dbStore';
import { serve } from './serve';

/** The version in rx-assistants' package.json: above dist/cli.js, or src/server/cli.ts in a clone. */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 3; up++, dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'rx-assistants' && pkg.version) return pkg.version;
    } catch {
      // No package.json here: one directory up.
    }
  }
  throw new Error('cannot find the package.json of rx-assistants');
}

function modelFor(choice: ModelChoice) {
  if (choice.kind === 'tutor') return undefined; // the runtime's default
  const client = new OpenAI({
    baseURL: process.env['OPENAI_BASE_URL'],
    apiKey: process.env['OPENAI_API_KEY'] ?? 'none',
  });
  return choice.kind === 'chat'
    ? chatCompletionsModel(client, { model: choice.name })
    : responsesModel(client, { model: choice.name });
}

async function main(argv: string[]): Promise<void> {
  let command;
  try {
    command = parseCliArgs(argv, process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`rx-assistants: ${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (command.kind === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  if (command.kind === 'version') {
    process.stdout.write(`${packageVersion()}\n`);
    return;
  }

  const opened = await openStore(command.db);
  const backend = localBackend({
    model: modelFor(command.model),
    ...(opened.store && { store: opened.store }),
    ...(command.leaseTtl !== undefined && { limits: { runLeaseTtl: command.leaseTtl } }),
  });
  const server = await serve(backend, {
    host: command.host,
    port: command.port,
    apiKey: command.apiKey,
    cors: command.cors,
    insecure: command.insecure,
    onError: (error) =>
      console.error(
        'rx-assistants: unexpected error:',
        redactSecrets(error instanceof Error ? (error.stack ?? error.message) : String(error)),
      ),
  });
  const key = command.apiKey === undefined ? 'unused' : '<your --api-key>';
  process.stdout.write(
    `rx-assistants: Assistants API on ${server.url} (model: ${command.model.kind})\n` +
      `Point the SDK at it: new OpenAI({ baseURL: '${server.url}', apiKey: '${key}' })\n` +
      `  or set OPENAI_BASE_URL=${server.url}   Ctrl-C stops it.\n` +
      `rx-assistants: data ${opened.where}\n`,
  );
  if (!isLoopback(command.host) && command.apiKey === undefined) {
    console.error(`rx-assistants: warning: listening on ${command.host} without --api-key.`);
  }

  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(130); // a second Ctrl-C does not wait
    stopping = true;
    // Runs in progress hand their leases back, for another server (or this one, restarted).
    void server
      .close()
      .then(() => lastValueFrom(backend.close(), { defaultValue: undefined }))
      .then(() => opened.close())
      .then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`rx-assistants: ${redactSecrets(message)}\n`);
  process.exit(1);
});
