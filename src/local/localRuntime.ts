import { asyncScheduler, concatMap, defer, type Observable, of, type SchedulerLike } from 'rxjs';
import type { AssistantsBackend } from '../backend/AssistantsBackend';
import type { Run } from '../backend/types';
import { finders, type Finders } from './finders';
import { idempotencyKeys, type IdempotencyKeys } from './idempotency';
import { randomId } from './ids';
import { limitsOf, type LocalLimits } from './limits';
import { memoryStore } from './memoryStore';
import type { ModelAdapter } from './ModelAdapter';
import { tutorModel } from './models/tutorModel';
import type { Runtime } from './records';
import { RunEngine } from './RunEngine';
import { RunLeases } from './RunLeases';
import type { RunTiming } from './RunStatusMachine';
import type { AssistantsStore } from './storePort';
import { threadsAndRuns, type ThreadsAndRuns } from './threadsAndRuns';

/** Configuration of `localBackend`. */
export interface LocalBackendConfig {
  /** The model of every run whose model name is not in `models`. Default {@link tutorModel}`()`. */
  model?: ModelAdapter;
  /** Models by the name a run (or its assistant) asks for, such as `{ 'gpt-4o': chatCompletionsModel(...) }`. */
  models?: Record<string, ModelAdapter>;
  /** The clock of every timestamp, delay, expiry and lease. Default `asyncScheduler`. */
  scheduler?: SchedulerLike;
  /** Where objects are kept. Default {@link memoryStore}`()`. */
  store?: AssistantsStore;
  limits?: LocalLimits;
  /** Makes ids (for tests); the default is random and unguessable. */
  ids?: (prefix: string) => string;
  /** How long runs wait in `queued` and `cancelling`, and when they expire. Default: no waits. */
  timing?: RunTiming;
}

/** The embedded runtime as a backend, with a way to stop it. */
export interface LocalBackend extends AssistantsBackend {
  /**
   * Stops the runtime's runs in this process, as if it stopped. On a store
   * that processes share, it hands their leases back first, so that another
   * process (or this one, started again) takes them up at once. Emits once done.
   */
  close(): Observable<void>;
}

/** The parts of one runtime, wired together. */
export interface LocalRuntime {
  store: AssistantsStore;
  scheduler: SchedulerLike;
  runtime: Runtime;
  engine: RunEngine;
  keys: IdempotencyKeys;
  finders: Finders;
  writes: ThreadsAndRuns;
  /** On a store that processes share, the leases of the runs executed here. */
  leases?: RunLeases;
  /** Cancels a run (as stored): here, or through the process that executes it. */
  cancel(run: Run): Observable<Run>;
  /** Makes a run (as stored) execute here if no live process holds it; emits whether it does now. */
  takeUp(run: Run): Observable<boolean>;
  /** Takes tool outputs for a run (as stored) that waits for them, taking it up here first. */
  submit(run: Run, toolOutputs: unknown): Observable<Run>;
  /** `LocalBackend.close()`: stops the runs executed here, and hands their leases back. */
  close(): Observable<void>;
}

/**
 * The parts of a runtime from its configuration, each checked.
 *
 * ## Example
 *
 * ```ts
 * import { localRuntime } from 'src/local/localRuntime';
 *
 * const { engine, finders } = localRuntime({});
 * ```
 *
 * @param config The runtime's configuration.
 * @returns Its parts.
 */
export function localRuntime(config: LocalBackendConfig): LocalRuntime {
  const scheduler = config.scheduler ?? asyncScheduler;
  const defaultModel = config.model ?? tutorModel();
  const limits = limitsOf(config.limits);
  const store = config.store ?? memoryStore({ maxKeptResponses: limits.idempotencyKeys });
  const expiresAfter = limits.runExpiresAfter;
  const keys = idempotencyKeys({ store, ttl: limits.idempotencyTtl, now: () => scheduler.now() });
  const runtime: Runtime = {
    store,
    now: () => Math.floor(scheduler.now() / 1000),
    newId: config.ids ?? randomId,
  };
  const engine = new RunEngine({
    runtime,
    scheduler,
    expiresAfter,
    modelFor: (run) => config.models?.[run.model] ?? defaultModel,
    ...(config.timing && { timing: config.timing }),
    // On a shared store, a run that waits for tool outputs is held by no runtime until one takes it up.
    waiting: (runId) => leases?.handBack(runId),
  });
  const leases: RunLeases | undefined = store.shared
    ? new RunLeases({
        store,
        scheduler,
        engine,
        owner: runtime.newId('runtime'),
        ttl: limits.runLeaseTtl,
      })
    : undefined;
  const found = finders(store);
  const writes = threadsAndRuns({
    runtime,
    scheduler,
    engine,
    finders: found,
    expiresAfter,
    ...(leases && { leaseWrite: (runId: string) => leases.leaseWrite(runId) }),
  });
  const takeUp = (run: Run) => (leases ? leases.takeUp(run) : of(false));
  return {
    store,
    scheduler,
    runtime,
    engine,
    keys,
    finders: found,
    writes,
    ...(leases && { leases }),
    cancel: (run) => (leases ? leases.cancel(run) : engine.cancel(run)),
    takeUp,
    submit: (run, outputs) => takeUp(run).pipe(concatMap(() => engine.submit(run, outputs))),
    close: () => defer(() => leases?.close() ?? (engine.dropAll(), of(undefined))),
  };
}
