import { Observable } from 'rxjs';
import { fromAbortable } from '../internal/fromAbortable';
import type { RunEventChannel, SharedRunEvent } from '../local/storePort';
import type { SqlDriver } from './SqlDriver';

/** The most bytes of a notification's payload: Postgres takes fewer than 8000. */
const PAYLOAD_LIMIT = 7900;

/** How long an event too long for a notification is kept for its listeners. */
const KEPT_FOR = `interval '1 hour'`;

/** The channel of a run's events (a quoted identifier: case and `_` kept). */
const channelOf = (schema: string, runId: string) => `rx.${schema}.${runId}`.slice(0, 63);

/** One entry of a payload: an event, or the id of a `run_events` row that holds one. */
type Entry = SharedRunEvent | { ref: string };

/**
 * The {@link RunEventChannel} of a SQL store on a database that processes
 * share: Postgres's `LISTEN`/`NOTIFY`, one channel per run. A batch goes in as
 * few notifications as fit in Postgres's payload limit, in order; an event
 * too long for one is kept in the `run_events` table (for an hour) and its
 * notification names it, for listeners to read. None for a driver that
 * cannot listen, nor for a database that only this process opens (PGlite):
 * there is no other process to hear.
 *
 * @param driver The store's driver.
 * @param schema The store's schema (its checked name).
 * @param ready Resolves once the schema is up to date.
 */
export function sqlChannel(
  driver: SqlDriver,
  schema: string,
  ready: () => Promise<unknown>,
): RunEventChannel | undefined {
  const listen = driver.listen?.bind(driver);
  if (!listen || driver.exclusive) return undefined;
  const s = `"${schema}"`;
  const encoder = new TextEncoder();
  const bytes = (text: string) =>
    text.length * 3 <= PAYLOAD_LIMIT ? text.length : encoder.encode(text).length;

  /** The payloads of `events`, each a JSON array of entries within the limit. */
  const payloadsOf = async (
    runId: string,
    events: readonly SharedRunEvent[],
    signal: AbortSignal,
  ) => {
    const payloads: string[] = [];
    let entries: string[] = [];
    let size = 2;
    for (const event of events) {
      let entry = JSON.stringify(event);
      if (bytes(entry) + 2 > PAYLOAD_LIMIT) {
        const [row] = await driver.query(
          `with forgotten as (delete from ${s}.run_events where kept_at < now() - ${KEPT_FOR})
           insert into ${s}.run_events (run_id, body) values ($1, $2::json) returning id`,
          [runId, entry],
          signal,
        );
        entry = JSON.stringify({ ref: String(row!.id) });
      }
      if (size + bytes(entry) + 1 > PAYLOAD_LIMIT && entries.length > 0) {
        payloads.push(`[${entries.join(',')}]`);
        entries = [];
        size = 2;
      }
      entries.push(entry);
      size += bytes(entry) + 1;
    }
    if (entries.length > 0) payloads.push(`[${entries.join(',')}]`);
    return payloads;
  };

  /** The events of a payload, those kept in `run_events` read back. */
  const eventsOf = async (payload: string, signal: AbortSignal): Promise<SharedRunEvent[]> => {
    const entries = JSON.parse(payload) as Entry[];
    const refs = entries.flatMap((entry) => ('ref' in entry ? [entry.ref] : []));
    const kept = new Map<string, SharedRunEvent>();
    if (refs.length > 0) {
      const rows = await driver.query(
        `select id, body from ${s}.run_events where id = any($1::bigint[])`,
        [refs],
        signal,
      );
      for (const row of rows) kept.set(String(row.id), row.body as SharedRunEvent);
    }
    return entries.flatMap((entry) => {
      if (!('ref' in entry)) return [entry];
      const event = kept.get(entry.ref);
      return event ? [event] : [];
    });
  };

  return {
    publish: (runId, events) =>
      fromAbortable(async (signal) => {
        await ready();
        const channel = channelOf(schema, runId);
        for (const payload of await payloadsOf(runId, events, signal)) {
          await driver.query('select pg_notify($1, $2)', [channel, payload], signal);
        }
      }),

    listen: (runId) =>
      new Observable<readonly SharedRunEvent[]>((subscriber) => {
        const stopped = new AbortController();
        let unlisten: (() => Promise<void>) | undefined;
        // Payloads are told in the order they came, each once its kept events are read.
        let told: Promise<void> = Promise.resolve();
        const tell = (batch: () => Promise<readonly SharedRunEvent[]>) => {
          told = told.then(batch).then(
            (events) => {
              if (!stopped.signal.aborted) subscriber.next(events);
            },
            (error: unknown) => subscriber.error(error),
          );
        };
        ready()
          .then(() =>
            listen(
              channelOf(schema, runId),
              (payload) => tell(() => eventsOf(payload, stopped.signal)),
              (error) => subscriber.error(error),
            ),
          )
          .then(
            (stop) => {
              if (stopped.signal.aborted) return void stop().catch(() => {});
              unlisten = stop;
              tell(() => Promise.resolve([]));
            },
            (error: unknown) => subscriber.error(error),
          );
        return () => {
          stopped.abort();
          void unlisten?.().catch(() => {});
        };
      }),
  };
}
