import OpenAI, { APIError } from 'openai';
import { asyncScheduler, config, lastValueFrom, toArray } from 'rxjs';
import { afterEach, expect, it } from 'vitest';
import type { RxAssistants } from '../../../src';
import type { AssistantStreamEvent } from '../../../src/backend/types';
import type { ModelAdapter, ModelEvent, ModelRequest } from '../../../src/local/ModelAdapter';
import type { FakeEndpoint, FakeHttpError } from '../../support/fakeEndpoint';

/** The context the runtime hands a model. */
export const context = { scheduler: asyncScheduler };

/**
 * Asks `question` of an assistant created on `model` and collects the run's
 * events up to the error that ends the stream (a run that completes fails the
 * test).
 */
export async function askUntilError(rx: RxAssistants, model: string, question: string) {
  const assistant = await lastValueFrom(rx.assistants.create({ model }));
  const seen: AssistantStreamEvent[] = [];
  const error = await new Promise<unknown>((resolve, reject) =>
    rx.ask(assistant.id, question).subscribe({
      next: (event) => seen.push(event),
      error: resolve,
      complete: () => reject(new Error('completed instead of failing')),
    }),
  );
  return { seen, error };
}

/** A bare request; each test adds what it checks. */
export const request = (extra: Partial<ModelRequest> = {}): ModelRequest => ({
  model: 'gpt-run',
  instructions: '',
  messages: [{ role: 'user', content: 'Hi' }],
  tools: [],
  toolChoice: 'auto',
  parallelToolCalls: true,
  ...extra,
});

/** Every event of one turn, once it completes. */
export const collect = (model: ModelAdapter, req = request()) =>
  lastValueFrom(model.respond(req, context).pipe(toArray()));

/** Subscribes and resolves with the events and the error, failing if it completes instead. */
export function failure(model: ModelAdapter, req = request()) {
  const events: ModelEvent[] = [];
  const error = new Promise<unknown>((resolve, reject) =>
    model.respond(req, context).subscribe({
      next: (event) => events.push(event),
      error: resolve,
      complete: () => reject(new Error('completed instead of failing')),
    }),
  );
  return error.then((e) => ({ events, error: e }));
}

/** Joins tool-call pieces by index, the way the runtime does. */
export function accumulate(events: ModelEvent[]) {
  const calls: { id: string; name: string; arguments: string }[] = [];
  for (const event of events) {
    if (event.type !== 'tool_call') continue;
    const call = (calls[event.index] ??= { id: '', name: '', arguments: '' });
    call.id += event.id ?? '';
    call.name += event.name ?? '';
    call.arguments += event.arguments ?? '';
  }
  return calls;
}

/** An OpenAI client of the fake, without retries or logs. */
export const clientOf = (endpoint: FakeEndpoint) =>
  new OpenAI({ apiKey: 'sk-test', baseURL: endpoint.url, maxRetries: 0, logLevel: 'off' });

/** What a fake endpoint does with a request: its stream `S`, an HTTP error, or a stall. */
export type FakeReplyOf<S> = S | FakeHttpError | { stall: true };

// The fakes hand their handlers the parsed JSON body, of any shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Handler<S> = (body: any) => FakeReplyOf<S>;

/** An HTTP error status, the SDK's error class for it, and the error's `type`. */
type StatusCase = [status: number, ErrorClass: new (...args: never[]) => APIError, type: string];

/**
 * The shared test kit of a model adapter over an OpenAI endpoint: `setup`
 * starts the adapter's loopback fake with scripted replies and builds the
 * adapter over a client of it (closed after each test), and the `it...`
 * functions register the tests every such adapter passes the same way.
 *
 * @param startFake Starts the fake endpoint of the adapter's API.
 * @param adapter Makes the adapter over a client, with its options.
 */
export function adapterKit<S extends object, O>(
  startFake: (handler: Handler<S>) => Promise<FakeEndpoint>,
  adapter: (client: OpenAI, options?: O) => ModelAdapter,
) {
  let servers: FakeEndpoint[] = [];
  afterEach(async () => {
    config.onStoppedNotification = null;
    await Promise.all(servers.map((server) => server.close()));
    servers = [];
  });

  /** Closes `server` after the test. */
  const track = <E extends FakeEndpoint>(server: E): E => (servers.push(server), server);

  /** Starts the fake with the given replies and returns a model whose client points at it. */
  async function setup(reply: FakeReplyOf<S> | Handler<S>, options?: O) {
    const server = track(await startFake(typeof reply === 'function' ? reply : () => reply));
    const client = clientOf(server);
    return { server, client, model: adapter(client, options) };
  }

  /** The SDK's error of each HTTP status passes through unchanged. */
  function itErrorsWithTheSdkErrors(cases: StatusCase[]) {
    it.each(cases)('errors with the SDK error of an HTTP %i', async (status, ErrorClass, type) => {
      const { model } = await setup({
        status,
        error: { message: 'Nope', type, param: 'model', code: 'bad' },
      });
      const error = await collect(model).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(ErrorClass);
      expect(error).toBeInstanceOf(APIError);
      expect(error).toMatchObject({ status, type, param: 'model', code: 'bad' });
      expect((error as APIError).error).toMatchObject({ message: 'Nope' });
    });
  }

  /**
   * Unsubscribing aborts the request, mid-stream or before the response, and
   * nothing is emitted after. `hanging` streams the text pieces `one` and
   * `two`, then stays open.
   */
  function itAbortsWhenUnsubscribed(hanging: S) {
    it('aborts the request when unsubscribed mid-stream, and emits nothing after', async () => {
      const { model, server } = await setup(hanging);
      const late: unknown[] = [];
      config.onStoppedNotification = (notification) => late.push(notification);
      const events: ModelEvent[] = [];
      const notifications: string[] = [];
      await new Promise<void>((resolve) => {
        const subscription = model.respond(request(), context).subscribe({
          next: (event) => {
            events.push(event);
            subscription.unsubscribe();
            resolve();
          },
          error: () => notifications.push('error'),
          complete: () => notifications.push('complete'),
        });
      });
      await server.disconnected();
      await new Promise((resolve) => setImmediate(resolve));

      expect(server.disconnects).toBe(1);
      expect(events).toEqual([{ type: 'text', delta: 'one' }]);
      expect(notifications).toEqual([]);
      expect(late).toEqual([]);
    });

    it('aborts the request when unsubscribed before the response', async () => {
      let arrived!: () => void;
      const arrival = new Promise<void>((resolve) => (arrived = resolve));
      const { model, server } = await setup(() => {
        arrived();
        return { stall: true };
      });
      const late: unknown[] = [];
      config.onStoppedNotification = (notification) => late.push(notification);
      const notifications: unknown[] = [];
      const subscription = model.respond(request(), context).subscribe({
        next: (event) => notifications.push(event),
        error: (error) => notifications.push(error),
        complete: () => notifications.push('complete'),
      });
      await arrival;
      subscription.unsubscribe();
      await server.disconnected();
      await new Promise((resolve) => setImmediate(resolve));

      expect(server.disconnects).toBe(1);
      expect(notifications).toEqual([]);
      expect(late).toEqual([]);
    });
  }

  return { setup, track, itErrorsWithTheSdkErrors, itAbortsWhenUnsubscribed };
}
