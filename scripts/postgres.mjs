// Runs a command (by default the Postgres tests) with DATABASE_URL pointing at
// a Postgres server. With DATABASE_URL already set, it just runs the command.
// Otherwise it starts a throwaway cluster from the system's PostgreSQL
// (Debian's `postgresql` package: /usr/lib/postgresql/<version>/bin), as a
// non-root user, listening only on 127.0.0.1 on a free port, and stops and
// deletes it when the command ends.
//
//   node scripts/postgres.mjs vitest run -c vitest.pg.config.ts
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const command = process.argv.slice(2);
if (command.length === 0) {
  console.error('usage: node scripts/postgres.mjs <command> [args...]');
  process.exit(2);
}

/** Runs the command with `env`; resolves to its exit code. */
const run = (env) =>
  new Promise((resolve) => {
    const child = spawn('npx', command, { stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });

if (process.env.DATABASE_URL) process.exit(await run({}));

const root = '/usr/lib/postgresql';
const versions = existsSync(root)
  ? readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a))
  : [];
if (versions.length === 0) {
  console.error(
    'No PostgreSQL found under /usr/lib/postgresql. Install it (Debian: apt-get install -y postgresql) ' +
      'or set DATABASE_URL to a database the tests may create schemas in.',
  );
  process.exit(1);
}
const bin = (name) => join(root, versions[0], 'bin', name);

/** As root, the cluster is owned by and run as an unprivileged user (Postgres refuses root). */
const asUser = (() => {
  if (process.getuid?.() !== 0) return undefined;
  for (const user of ['postgres', 'nobody']) {
    if (spawnSync('id', ['-u', user]).status === 0) return user;
  }
  console.error(
    'Running as root, and neither a postgres nor a nobody user exists to run Postgres.',
  );
  process.exit(1);
})();
const sh = (file, args, options = {}) =>
  asUser
    ? execFileSync('runuser', ['-u', asUser, '--', file, ...args], options)
    : execFileSync(file, args, options);

const port = await new Promise((resolve, reject) => {
  const server = createServer();
  server.on('error', reject);
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    server.close(() => resolve(port));
  });
});

const dir = mkdtempSync(join(tmpdir(), 'rx-assistants-pg-'));
const data = join(dir, 'data');
if (asUser) {
  chmodSync(dir, 0o700);
  execFileSync('chown', [asUser, dir]);
}
let started = false;
const stop = () => {
  if (started) {
    started = false;
    try {
      sh(bin('pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop'], { stdio: 'ignore' });
    } catch {
      // Already gone.
    }
  }
  rmSync(dir, { recursive: true, force: true });
};
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stop();
    process.exit(130);
  });
}

let code = 1;
try {
  sh(bin('initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'], {
    stdio: 'ignore',
  });
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -c unix_socket_directories=${dir} -c fsync=off -c max_connections=50`;
  started = true;
  sh(bin('pg_ctl'), ['-D', data, '-l', join(dir, 'log'), '-o', options, '-w', 'start'], {
    stdio: 'ignore',
  });
  console.log(`Postgres ${versions[0]} on 127.0.0.1:${port} (${asUser ?? 'this user'}), in ${dir}`);
  code = await run({ DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/postgres` });
} catch (error) {
  console.error(`Could not start Postgres: ${error.message}`);
} finally {
  stop();
}
process.exit(code);
