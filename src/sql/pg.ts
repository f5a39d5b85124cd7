import { describe } from './pglite';
import { SqlStoreError } from './SqlStoreError';
import { checkLive, quotedChannel, type SqlDriver, type SqlRow } from './SqlDriver';

/** What the store needs of a connection checked out of a `pg.Pool`. */
export interface PgClientLike {
  query(sql: string, params?: unknown[]): Promise<{ rows: SqlRow[] }>;
  release(error?: Error | boolean): void;
  /** A connection's notifications and errors: the one that listens for the store's events. */
  on?(event: 'notification', listener: (message: PgNotification) => void): unknown;
  on?(event: 'error', listener: (error: Error) => void): unknown;
}

/** A notification heard by a `pg` connection. */
export interface PgNotification {
  channel: string;
  payload?: string | undefined;
}

/** What the store needs of a `pg.Pool` (the `pg` package, node-postgres). */
export interface PgPoolLike {
  query(sql: string, params?: unknown[]): Promise<{ rows: SqlRow[] }>;
  connect(): Promise<PgClientLike>;
}

/**
 * A {@link SqlDriver} over a `pg.Pool`: a Postgres server, shared by several
 * processes. Each transaction checks a connection out of the pool and always
 * gives it back, also when its subscriber unsubscribes first. While a client
 * follows a run executed by another process, one more connection listens
 * for run events (closed, not given back, once nothing listens).
 *
 * ## Example
 *
 * ```ts
 * import pgLib from 'pg';
 * import { pg, sqlStore } from 'rx-assistants/sql';
 *
 * const pool = new pgLib.Pool({ connectionString: 'postgres://localhost/assistants' });
 * const store = sqlStore(pg(pool));
 * ```
 *
 * @param pool A `pg.Pool` (not a `pg.Client`: the store needs connections of its own).
 */
export function pg(pool: PgPoolLike): SqlDriver {
  if (
    typeof pool !== 'object' ||
    pool === null ||
    typeof pool.query !== 'function' ||
    typeof pool.connect !== 'function'
  ) {
    throw new SqlStoreError(
      `pg() takes a pg.Pool (with query() and connect()), got ${describe(pool)}.`,
    );
  }
  if (!('totalCount' in pool) && 'connectionParameters' in pool) {
    throw new SqlStoreError('pg() takes a pg.Pool, not a pg.Client: make a pool of connections.');
  }
  return {
    dialect: 'postgres',
    listen: listener(pool),
    async query(sql, params, signal) {
      checkLive(signal);
      return (await pool.query(sql, [...params])).rows;
    },
    async transaction(work, signal) {
      checkLive(signal);
      const client = await pool.connect();
      if (typeof client?.release !== 'function') {
        throw new SqlStoreError('pg() takes a pg.Pool: its connect() gave no client to release.');
      }
      let broken: Error | undefined;
      try {
        checkLive(signal);
        await client.query('begin');
        const result = await work(async (sql, params = []) => {
          checkLive(signal);
          return (await client.query(sql, [...params])).rows;
        });
        checkLive(signal);
        await client.query('commit');
        return result;
      } catch (error) {
        // Outside a transaction (begin never sent) this is only a warning.
        await client.query('rollback').catch((rollbackError: unknown) => {
          broken =
            rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        });
        throw error;
      } finally {
        // A connection whose rollback failed is closed, not reused.
        client.release(broken);
      }
    },
  };
}

type Heard = { heard: (payload: string) => void; failed: (error: unknown) => void };

/** The connection that listens, and its channels' listeners once each channel is listened to. */
interface Listening {
  client: PgClientLike;
  channels: Map<string, Promise<Set<Heard>>>;
}

/**
 * `SqlDriver.listen` on one connection of `pool`, checked out when the first
 * listener comes and closed when the last leaves: each channel is listened
 * to once, its payloads handed to each of its listeners.
 */
function listener(pool: PgPoolLike): NonNullable<SqlDriver['listen']> {
  let connection: Promise<Listening> | undefined;
  /** The listeners, and those on their way: the connection is closed when none is left. */
  let users = 0;
  const connect = async (): Promise<Listening> => {
    const client = await pool.connect();
    if (typeof client.on !== 'function') {
      client.release();
      throw new SqlStoreError('pg() takes a pg.Pool whose clients tell notifications (on()).');
    }
    const listening: Listening = { client, channels: new Map() };
    const current = connection;
    const each = (channel: string, call: (heard: Heard) => void) =>
      void listening.channels.get(channel)?.then(
        (all) => all.forEach(call),
        () => {},
      );
    client.on('notification', ({ channel, payload }) =>
      each(channel, ({ heard }) => heard(payload ?? '')),
    );
    client.on('error', (error) => {
      if (connection === current) connection = undefined;
      for (const channel of listening.channels.keys()) each(channel, ({ failed }) => failed(error));
      listening.channels = new Map();
      client.release(error);
    });
    return listening;
  };
  const leave = (current: Promise<Listening>, client: PgClientLike) => {
    users -= 1;
    if (users > 0 || connection !== current) return false;
    // Nothing listens: the connection is closed, its LISTENs with it.
    connection = undefined;
    client.release(true);
    return true;
  };
  return async (channel, heard, failed) => {
    users += 1;
    const current = (connection ??= connect());
    let listening: Listening;
    try {
      listening = await current;
    } catch (error) {
      users -= 1;
      if (connection === current) connection = undefined;
      throw error;
    }
    const { client, channels } = listening;
    let ofChannel: Promise<Set<Heard>> | undefined;
    let all: Set<Heard> | undefined;
    // Again if the channel was left (and is being unlistened) while this waited for it.
    while (!all || channels.get(channel) !== ofChannel) {
      ofChannel = channels.get(channel);
      if (!ofChannel) {
        ofChannel = client.query(`listen ${quotedChannel(channel)}`).then(() => new Set<Heard>());
        channels.set(channel, ofChannel);
      }
      try {
        all = await ofChannel;
      } catch (error) {
        if (channels.get(channel) === ofChannel) channels.delete(channel);
        leave(current, client);
        throw error;
      }
    }
    const one: Heard = { heard, failed };
    all.add(one);
    return async () => {
      if (!all.delete(one)) return;
      if (all.size === 0 && channels.get(channel) === ofChannel) channels.delete(channel);
      if (leave(current, client) || channels.has(channel)) return;
      await client.query(`unlisten ${quotedChannel(channel)}`);
    };
  };
}
