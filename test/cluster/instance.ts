/**
 * One instance of the multi-instance suite, in a process of its own:
 * `serve()` over the embedded runtime on the Postgres of DATABASE_URL, in the
 * schema of the first argument, its runs leased for the second (ms), the tutor
 * taking the third (ms) before it writes a reply, so that a test can kill an
 * instance mid-run. It prints `url <base>` once it listens, and on SIGTERM
 * closes, handing its leases back.
 *
 *   tsx test/cluster/instance.ts <schema> <lease ttl> <reply delay>
 */
import pgLib from 'pg';
import { localBackend, tutorModel } from '../../src/local';
import { serve } from '../../src/server';
import { pg, sqlStore } from '../../src/sql';

const [schema = 'rx_assistants', leaseTtl = '1500', replyDelay = '0'] = process.argv.slice(2);
const pool = new pgLib.Pool({ connectionString: process.env['DATABASE_URL'], max: 5 });
const backend = localBackend({
  store: sqlStore(pg(pool), { schema }),
  model: tutorModel({ delay: Number(replyDelay), chunkDelay: 20 }),
  limits: { runLeaseTtl: Number(leaseTtl) },
});
const server = await serve(backend, { port: 0 });
process.stdout.write(`url ${server.url}\n`);
process.on('SIGTERM', () => {
  void server
    .close()
    .then(() => new Promise<void>((resolve) => backend.close().subscribe({ complete: resolve })))
    .then(() => pool.end())
    .then(() => process.exit(0));
});
