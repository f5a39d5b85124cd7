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

/** The channel of the runs whose cancel a process asked for (`requestCancel`). */
export const cancelChannelOf = (schema: string): string => `rx.${schema}.cancels`.slice(0, 63);

/** One entry of a payload: an event, or the id of a `run_events` row that holds one. */
type Entry = SharedRunEvent | { ref: string };

/**
 * The {@link RunEventChannel} of a SQL store on a database that processes
 * share: Postgres's `LISTEN`/`NOTIFY`, one channel per run. A batch goes in as
 * few notifications as fit in Postgres's payload limit, in order, and the
 * batches of every run published while a statement is under way go together
 * in the next (one statement, whatever the number of runs); an event
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
  /** How many payloads this store has sent. */
  let sent = 0;
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
    // Each payload begins with a number of its own: Postgres delivers a payload
    // sent twice on a channel in one transaction once, and a statement carries many.
    const numbered = (entries: string[]) => `[${(sent += 1)},${entries.join(',')}]`;
    let size = 2 + 16;
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
        payloads.push(numbered(entries));
        entries = [];
        size = 2 + 16;
      }
      entries.push(entry);
      size += bytes(entry) + 1;
    }
    if (entries.length > 0) payloads.push(numbered(entries));
    return payloads;
  };

  /** The events of a payload, those kept in `run_events` read back. */
  const eventsOf = async (payload: string, signal: AbortSignal): Promise<SharedRunEvent[]> => {
    const [, ...entries] = JSON.parse(payload) as [number, ...Entry[]];
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

  /** Notifications waiting for the statement under way, each with what to call once sent. */
  let waiting: Array<{ channel: string; payload: string; sent: (error?: unknown) => void }> = [];
  let sending = false;
  /** Sends what waits in one statement (in order), then what came meanwhile. */
  const send = () => {
    if (sending || waiting.length === 0) return;
    const batch = waiting;
    waiting = [];
    sending = true;
    const done = (error?: unknown) => {
      sending = false;
      for (const { sent } of batch) sent(error);
      send();
    };
    driver
      .query(
        'select pg_notify(channel, payload) from unnest($1::text[], $2::text[]) as n(channel, payload)',
        [batch.map((n) => n.channel), batch.map((n) => n.payload)],
        new AbortController().signal,
      )
      .then(() => done(), done);
  };
  const notify = (channel: string, payloads: string[]) =>
    Promise.all(
      payloads.map(
        (payload) =>
          new Promise<void>((resolve, reject) => {
            waiting.push({
              channel,
              payload,
              sent: (error) => (error ? reject(error) : resolve()),
            });
            send();
          }),
      ),
    );

  /**
   * The notifications of `channel` from now on, each made values by `decode`
   * (in the order they came), after an empty batch once it listens.
   */
  const heard = <T>(
    channel: string,
    decode: (payload: string, signal: AbortSignal) => Promise<T[]>,
  ): Observable<readonly T[]> =>
    new Observable<readonly T[]>((subscriber) => {
      const stopped = new AbortController();
      let unlisten: (() => Promise<void>) | undefined;
      // Payloads are told in the order they came, each once decoded.
      let told: Promise<void> = Promise.resolve();
      const tell = (batch: () => Promise<readonly T[]>) => {
        told = told.then(batch).then(
          (values) => {
            if (!stopped.signal.aborted) subscriber.next(values);
          },
          (error: unknown) => subscriber.error(error),
        );
      };
      ready()
        .then(() =>
          listen(
            channel,
            (payload) => tell(() => decode(payload, stopped.signal)),
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
    });

  return {
    // The notifications of every run published meanwhile go in one statement.
    publish: (runId, events) =>
      fromAbortable(async (signal) => {
        await ready();
        await notify(channelOf(schema, runId), await payloadsOf(runId, events, signal));
      }),

    listen: (runId) => heard(channelOf(schema, runId), eventsOf),

    cancels: () => heard(cancelChannelOf(schema), (runId) => Promise.resolve([runId])),
  };
}
