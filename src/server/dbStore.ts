import { resolve } from 'node:path';
import { lastValueFrom } from 'rxjs';
import type { AssistantsStore } from '../local';
import { pg, pglite, sqlStore } from '../sql';
import type { DbChoice } from './cliArgs';

/** The store the CLI serves from, where it keeps its data, and how to close it. */
export interface OpenedStore {
  /** None: the runtime's own memory store. */
  store?: AssistantsStore;
  /** Where data lives, for the startup line. */
  where: string;
  close(): Promise<void>;
}

/** A package the CLI needs only for some `--db`: a clear error when it is missing. */
async function optional<T>(name: string, load: () => Promise<T>, forWhat: string): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw new Error(`${forWhat} needs the package ${name}: npm install ${name}`, { cause: error });
  }
}

/** A URL with its password masked. */
function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}

/**
 * Opens the store of `--db`: PGlite in a directory, or a pool of a Postgres
 * server, its migrations applied; none (memory) without `--db`.
 *
 * ## Example
 *
 * ```ts
 * import { openStore } from 'src/server/dbStore';
 *
 * const opened = await openStore({ kind: 'pglite', dir: './data' });
 * console.log(opened.where); // in PGlite at /home/me/data
 * await opened.close();
 * ```
 *
 * @param db The `--db` choice, if any.
 * @returns The store, where it is, and how to close it.
 */
export async function openStore(db: DbChoice | undefined): Promise<OpenedStore> {
  if (!db) {
    return {
      where: 'in memory (lost when the server stops; --db keeps it)',
      close: async () => {},
    };
  }
  if (db.kind === 'pglite') {
    const { PGlite } = await optional(
      '@electric-sql/pglite',
      () => import('@electric-sql/pglite'),
      '--db <dir>',
    );
    const instance = new PGlite(resolve(db.dir));
    const store = sqlStore(pglite(instance));
    await lastValueFrom(store.migrate(), { defaultValue: [] });
    return { store, where: `in PGlite at ${resolve(db.dir)}`, close: () => instance.close() };
  }
  const { default: pgLib } = await optional('pg', () => import('pg'), '--db postgres://...');
  const pool = new pgLib.Pool({ connectionString: db.url, max: 10 });
  const store = sqlStore(pg(pool));
  try {
    await lastValueFrom(store.migrate(), { defaultValue: [] });
  } catch (error) {
    await pool.end();
    throw error;
  }
  return { store, where: `in Postgres at ${withoutPassword(db.url)}`, close: () => pool.end() };
}
