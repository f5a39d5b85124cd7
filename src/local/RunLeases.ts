import {
  catchError,
  concatMap,
  defaultIfEmpty,
  EMPTY,
  exhaustMap,
  filter,
  from,
  map,
  mergeMap,
  type Observable,
  of,
  retry,
  type SchedulerLike,
  type Subscription,
  tap,
  timer,
} from 'rxjs';
import { isTerminalStatus } from '../backend/runStatus';
import type { Run } from '../backend/types';
import type { RunEngine } from './RunEngine';
import type { AssistantsStore, RunLease, StoreWrite } from './storePort';

/** What {@link RunLeases} works with. */
export interface RunLeasesConfig {
  store: AssistantsStore;
  scheduler: SchedulerLike;
  engine: RunEngine;
  /** This process's name in the store's leases. */
  owner: string;
  /** How long a lease lasts without renewal, in ms: a stopped process's runs are taken up after at most this long. */
  ttl: number;
  /** How many runs one check takes up at most. Default 20. */
  batch?: number;
}

/**
 * The leases of the runs this process executes, on a store that other
 * processes share. Every `ttl / 3` ms of the scheduler, a check renews the
 * leases of the runs this process executes (a run whose lease another
 * process took is stopped here), then takes up the runs whose lease expired
 * or is free (their process stopped) and resumes them ({@link RunEngine.resume}).
 * A run whose cancel another process asked for is cancelled as the store's
 * event channel tells it, if it has one, else at the next check.
 * The first check runs at once, so a process that restarts takes up its
 * runs as it starts. A check that fails (the database is away) is tried
 * again at the next one.
 *
 * ## Example
 *
 * ```ts
 * import type { RunLeases } from 'src/local/RunLeases';
 *
 * declare const leases: RunLeases;
 * leases.leaseWrite('run_1'); // { op: 'lease', lease: { runId: 'run_1', owner, until } }
 * leases.close().subscribe(); // hands the leases back, for another process to take up
 * ```
 */
export class RunLeases {
  private readonly loop: Subscription;

  constructor(private readonly config: RunLeasesConfig) {
    const { scheduler, ttl, store, engine } = config;
    const period = Math.max(1, Math.floor(ttl / 3));
    this.loop = timer(0, period, scheduler)
      .pipe(exhaustMap(() => this.check().pipe(catchError(() => EMPTY))))
      .subscribe();
    // A cancel asked through another process, heard at once (else at the next check).
    if (store.events) {
      this.loop.add(
        store.events
          .cancels()
          .pipe(retry({ delay: () => timer(period, scheduler) }))
          .subscribe((runIds) => runIds.forEach((runId) => engine.cancelHere(runId))),
      );
    }
  }

  /** The write that leases a run this process creates to it. */
  leaseWrite(runId: string): StoreWrite {
    const { owner, ttl, scheduler } = this.config;
    return { op: 'lease', lease: { runId, owner, until: scheduler.now() + ttl } };
  }

  /**
   * Makes a run that has not ended execute here if no live process holds it
   * (a run waiting for tool outputs, or one whose process stopped): emits
   * whether it does now.
   */
  takeUp(run: Run): Observable<boolean> {
    const { engine, store, owner, ttl, scheduler } = this.config;
    if (engine.held().includes(run.id) || isTerminalStatus(run.status)) return of(false);
    return store.claimRuns(owner, scheduler.now(), ttl, 1, [run.id]).pipe(
      concatMap(([lease]) => (lease ? this.resume(lease) : EMPTY)),
      map(() => true),
      defaultIfEmpty(false),
    );
  }

  /**
   * Cancels a run: here, if it executes here or can be taken up; else its
   * holder is asked to, and the answer is the run as it will be, cancelling.
   */
  cancel(run: Run): Observable<Run> {
    const { engine, store } = this.config;
    return this.takeUp(run).pipe(
      concatMap((here) =>
        here ||
        engine.held().includes(run.id) ||
        isTerminalStatus(run.status) ||
        run.status === 'cancelling'
          ? engine.cancel(run)
          : store
              .requestCancel(run.id)
              .pipe(map((): Run => ({ ...run, status: 'cancelling', required_action: null }))),
      ),
    );
  }

  /** Stops executing a run that now waits for tool outputs, and hands its lease back. */
  handBack(runId: string): void {
    const { engine, store, owner } = this.config;
    engine.drop(runId);
    store.releaseLeases(owner, [runId]).subscribe({ error: () => {} });
  }

  /** Stops checking and the runs executed here, and hands their leases back. */
  close(): Observable<void> {
    const { engine, store, owner } = this.config;
    this.loop.unsubscribe();
    return store.releaseLeases(owner, engine.dropAll());
  }

  /** Renews what this process holds, then takes up what no live process holds. */
  private check(): Observable<void> {
    const { engine, store, owner, ttl, scheduler } = this.config;
    const held = engine.held();
    const renewed = held.length > 0 ? store.renewLeases(owner, held, scheduler.now(), ttl) : of([]);
    return renewed.pipe(
      tap((kept) => {
        const still = new Set(kept.map((lease) => lease.runId));
        for (const runId of held) if (!still.has(runId)) engine.drop(runId);
        for (const lease of kept) if (lease.cancelRequested) engine.cancelHere(lease.runId);
      }),
      concatMap(() => store.claimRuns(owner, scheduler.now(), ttl, this.config.batch ?? 20)),
      concatMap((leases) => from(leases)),
      // One run that cannot be taken up does not stop the others; its lease lapses.
      mergeMap((lease) => this.resume(lease).pipe(catchError(() => EMPTY))),
    );
  }

  /** Resumes a run just leased here, and cancels it if that was asked. */
  private resume(lease: RunLease): Observable<void> {
    const { engine, store } = this.config;
    return store.get('run', lease.runId).pipe(
      filter((run) => run !== undefined),
      concatMap((run) => engine.resume(run)),
      tap(() => lease.cancelRequested && engine.cancelHere(lease.runId)),
    );
  }
}
