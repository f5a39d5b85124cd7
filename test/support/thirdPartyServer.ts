/**
 * A minimal third-party Assistants server, written apart from the project's
 * src/ on purpose: a stand-in for the compatible servers that clients meet in
 * the wild. It keeps everything in memory on 127.0.0.1 and implements just
 * what the `openai` SDK and a polling client need: assistants, threads,
 * messages, runs (non-streaming only) and run steps (create, retrieve, list;
 * no update or delete).
 *
 * Like many such servers it does not honour `Idempotency-Key`, does not
 * stream (`stream: true` is a 400), and sends no `openai-poll-after-ms`. It
 * records every run created, per thread, so that a harness can count
 * duplicates.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Assistant, AssistantTool } from 'openai/resources/beta/assistants';
import type { Message } from 'openai/resources/beta/threads/messages';
import type { Run } from 'openai/resources/beta/threads/runs/runs';
import type { RunStep } from 'openai/resources/beta/threads/runs/steps';
import type { Thread } from 'openai/resources/beta/threads/threads';
import { mulberry32 } from './faultProxy';
import { listenOnLoopback } from './listen';

/** Options of {@link startThirdPartyServer}. */
export interface ThirdPartyServerOptions {
  /** The PRNG seed of the default run durations. Default 1. */
  seed?: number;
  /** How long a run works (ms) before it completes (or first requires action). Default: uniform 200 to 1500 ms. */
  runDuration?: (run: Run) => number;
  /** Whether a run whose assistant has a function tool goes to `requires_action` first. Default false. */
  requiresAction?: boolean;
  /** The assistant's reply to the thread's last user message. Default `echo: <text>`. */
  reply?: (lastUserText: string) => string;
}

/** A running server. */
export interface ThirdPartyServer {
  /** The API's base URL, ending in `/v1`. */
  url: string;
  /** The ids of the runs created, by thread, in creation order. */
  readonly runsByThread: ReadonlyMap<string, readonly string[]>;
  /** Threads that got more than one run. */
  duplicates(): number;
  close(): Promise<void>;
}

interface ThreadState {
  thread: Thread;
  messages: Message[];
  runs: Run[];
  steps: Map<string, RunStep[]>;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

const ACTIVE = new Set<Run['status']>(['queued', 'in_progress', 'requires_action', 'cancelling']);
const now = () => Math.floor(Date.now() / 1000);
const textOf = (message: Message) =>
  message.content.map((part) => (part.type === 'text' ? part.text.value : '')).join('');

type Json = Record<string, unknown>;

/** One page of a list, with the API's cursor fields. */
function page<T extends { id: string }>(items: T[], query: URLSearchParams) {
  const order = query.get('order') ?? 'desc';
  const limit = Math.min(100, Math.max(1, Number(query.get('limit') ?? 20)));
  let sorted = order === 'asc' ? [...items] : [...items].reverse();
  const after = query.get('after');
  if (after) sorted = sorted.slice(sorted.findIndex((item) => item.id === after) + 1);
  const before = query.get('before');
  if (before) {
    const at = sorted.findIndex((item) => item.id === before);
    sorted = at >= 0 ? sorted.slice(Math.max(0, at - limit), at) : [];
  }
  const data = sorted.slice(0, limit);
  return {
    object: 'list',
    data,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
    has_more: sorted.length > data.length,
  };
}

/** Starts the server on 127.0.0.1, on a free port. */
export async function startThirdPartyServer(
  options: ThirdPartyServerOptions = {},
): Promise<ThirdPartyServer> {
  const random = mulberry32(options.seed ?? 1);
  const runDuration = options.runDuration ?? (() => Math.round(200 + random() * 1300));
  const reply = options.reply ?? ((text: string) => `echo: ${text}`);
  const assistants = new Map<string, Assistant>();
  const threads = new Map<string, ThreadState>();
  const runsByThread = new Map<string, string[]>();
  const timers = new Set<NodeJS.Timeout>();
  const runTimers = new Map<string, NodeJS.Timeout>();
  let counter = 0;
  const newId = (prefix: string) => `${prefix}_${(++counter).toString(36).padStart(8, '0')}`;

  const later = (runId: string, ms: number, then: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      runTimers.delete(runId);
      then();
    }, ms);
    timers.add(timer);
    runTimers.set(runId, timer);
  };

  const threadOf = (id: string) => {
    const state = threads.get(id);
    if (!state) throw new ApiError(404, `No thread found with id '${id}'.`, 'thread_id');
    return state;
  };
  const runOf = (state: ThreadState, id: string) => {
    const run = state.runs.find((candidate) => candidate.id === id);
    if (!run) throw new ApiError(404, `No run found with id '${id}'.`, 'run_id');
    return run;
  };
  const activeRun = (state: ThreadState) => state.runs.find((run) => ACTIVE.has(run.status));

  const newMessage = (
    state: ThreadState,
    role: Message['role'],
    content: unknown,
    run?: Run,
  ): Message => {
    const text =
      typeof content === 'string'
        ? content
        : Array.isArray(content)
          ? content.map((part: Json) => (typeof part.text === 'string' ? part.text : '')).join('')
          : '';
    const message: Message = {
      id: newId('msg'),
      object: 'thread.message',
      created_at: now(),
      thread_id: state.thread.id,
      role,
      content: [{ type: 'text', text: { value: text, annotations: [] } }],
      assistant_id: run?.assistant_id ?? null,
      run_id: run?.id ?? null,
      attachments: [],
      metadata: {},
      status: 'completed',
      completed_at: now(),
      incomplete_at: null,
      incomplete_details: null,
    };
    state.messages.push(message);
    return message;
  };

  const newStep = (state: ThreadState, run: Run, details: RunStep['step_details']): RunStep => {
    const step: RunStep = {
      id: newId('step'),
      object: 'thread.run.step',
      created_at: now(),
      assistant_id: run.assistant_id,
      thread_id: state.thread.id,
      run_id: run.id,
      type: details.type,
      status: 'in_progress',
      step_details: details,
      cancelled_at: null,
      completed_at: null,
      expired_at: null,
      failed_at: null,
      last_error: null,
      metadata: null,
      usage: null,
    };
    state.steps.get(run.id)!.push(step);
    return step;
  };

  const complete = (state: ThreadState, run: Run) => {
    const lastUser = state.messages.filter((message) => message.role === 'user').at(-1);
    const step = newStep(state, run, {
      type: 'message_creation',
      message_creation: { message_id: '' },
    });
    const message = newMessage(state, 'assistant', reply(lastUser ? textOf(lastUser) : ''), run);
    step.step_details = { type: 'message_creation', message_creation: { message_id: message.id } };
    Object.assign(step, {
      status: 'completed',
      completed_at: now(),
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    });
    Object.assign(run, {
      status: 'completed',
      completed_at: now(),
      required_action: null,
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    });
  };

  /** Moves a queued run along: in progress, then done (or waiting for tool outputs). */
  const work = (state: ThreadState, run: Run) => {
    later(run.id, 20, () => {
      run.status = 'in_progress';
      run.started_at ??= now();
      later(run.id, runDuration(run), () => {
        const tool = run.tools.find((candidate) => candidate.type === 'function');
        const answered = state.steps.get(run.id)!.some((step) => step.type === 'tool_calls');
        if (options.requiresAction && tool && !answered) {
          const call = {
            id: newId('call'),
            type: 'function' as const,
            function: { name: tool.function.name, arguments: '{}' },
          };
          newStep(state, run, {
            type: 'tool_calls',
            tool_calls: [{ ...call, function: { ...call.function, output: null } }],
          });
          run.status = 'requires_action';
          run.required_action = {
            type: 'submit_tool_outputs',
            submit_tool_outputs: { tool_calls: [call] },
          };
          return;
        }
        complete(state, run);
      });
    });
  };

  const createRun = (state: ThreadState, body: Json): Run => {
    if (body.stream === true) {
      throw new ApiError(400, 'Streaming is not supported by this server.', 'stream');
    }
    const assistant = assistants.get(String(body.assistant_id));
    if (!assistant) {
      throw new ApiError(404, `No assistant found with id '${body.assistant_id}'.`, 'assistant_id');
    }
    const active = activeRun(state);
    if (active) {
      throw new ApiError(
        400,
        `Thread ${state.thread.id} already has an active run ${active.id}.`,
        null,
      );
    }
    const run: Run = {
      id: newId('run'),
      object: 'thread.run',
      created_at: now(),
      thread_id: state.thread.id,
      assistant_id: assistant.id,
      status: 'queued',
      required_action: null,
      last_error: null,
      expires_at: now() + 600,
      started_at: null,
      cancelled_at: null,
      failed_at: null,
      completed_at: null,
      incomplete_details: null,
      model: typeof body.model === 'string' ? body.model : assistant.model,
      instructions:
        typeof body.instructions === 'string' ? body.instructions : (assistant.instructions ?? ''),
      tools: (body.tools as AssistantTool[] | undefined) ?? assistant.tools,
      metadata: (body.metadata as Run['metadata']) ?? {},
      usage: null,
      temperature: 1,
      top_p: 1,
      max_prompt_tokens: null,
      max_completion_tokens: null,
      truncation_strategy: { type: 'auto', last_messages: null },
      response_format: 'auto',
      tool_choice: 'auto',
      parallel_tool_calls: true,
    };
    state.runs.push(run);
    state.steps.set(run.id, []);
    runsByThread.get(state.thread.id)!.push(run.id);
    work(state, run);
    return run;
  };

  const createThread = (body: Json): Thread => {
    const thread: Thread = {
      id: newId('thread'),
      object: 'thread',
      created_at: now(),
      metadata: (body.metadata as Thread['metadata']) ?? {},
      tool_resources: null,
    };
    const state: ThreadState = { thread, messages: [], runs: [], steps: new Map() };
    threads.set(thread.id, state);
    runsByThread.set(thread.id, []);
    for (const message of (body.messages as Json[] | undefined) ?? []) {
      newMessage(state, message.role === 'assistant' ? 'assistant' : 'user', message.content);
    }
    return thread;
  };

  type Handler = (params: string[], body: Json, query: URLSearchParams) => unknown;
  const routes: Array<[method: string, path: RegExp, handler: Handler]> = [
    [
      'POST',
      /^\/v1\/assistants$/,
      (_, body) => {
        const assistant: Assistant = {
          id: newId('asst'),
          object: 'assistant',
          created_at: now(),
          name: (body.name as string | undefined) ?? null,
          description: null,
          instructions: (body.instructions as string | undefined) ?? null,
          model: String(body.model ?? 'third-party'),
          tools: (body.tools as AssistantTool[] | undefined) ?? [],
          metadata: {},
          temperature: 1,
          top_p: 1,
          response_format: 'auto',
        };
        assistants.set(assistant.id, assistant);
        return assistant;
      },
    ],
    ['POST', /^\/v1\/threads$/, (_, body) => createThread(body)],
    ['GET', /^\/v1\/threads\/([^/]+)$/, ([threadId]) => threadOf(threadId!).thread],
    [
      'GET',
      /^\/v1\/threads\/([^/]+)\/messages\/([^/]+)$/,
      ([threadId, messageId]) => {
        const message = threadOf(threadId!).messages.find((m) => m.id === messageId);
        if (!message) throw new ApiError(404, `No message found with id '${messageId}'.`);
        return message;
      },
    ],
    [
      'POST',
      /^\/v1\/threads\/([^/]+)\/messages$/,
      ([threadId], body) => {
        const state = threadOf(threadId!);
        const active = activeRun(state);
        if (active) {
          throw new ApiError(
            400,
            `Can't add messages to ${state.thread.id} while a run ${active.id} is active.`,
          );
        }
        return newMessage(state, body.role === 'assistant' ? 'assistant' : 'user', body.content);
      },
    ],
    [
      'GET',
      /^\/v1\/threads\/([^/]+)\/messages$/,
      ([threadId], _, query) => {
        const runId = query.get('run_id');
        const messages = threadOf(threadId!).messages;
        return page(runId ? messages.filter((m) => m.run_id === runId) : messages, query);
      },
    ],
    [
      'POST',
      /^\/v1\/threads\/([^/]+)\/runs$/,
      ([threadId], body) => createRun(threadOf(threadId!), body),
    ],
    [
      'GET',
      /^\/v1\/threads\/([^/]+)\/runs$/,
      ([threadId], _, query) => page(threadOf(threadId!).runs, query),
    ],
    [
      'GET',
      /^\/v1\/threads\/([^/]+)\/runs\/([^/]+)$/,
      ([threadId, runId]) => runOf(threadOf(threadId!), runId!),
    ],
    [
      'POST',
      /^\/v1\/threads\/([^/]+)\/runs\/([^/]+)\/cancel$/,
      ([threadId, runId]) => {
        const run = runOf(threadOf(threadId!), runId!);
        if (!ACTIVE.has(run.status)) {
          throw new ApiError(400, `Cannot cancel run with status '${run.status}'.`);
        }
        clearTimeout(runTimers.get(run.id));
        Object.assign(run, { status: 'cancelled', cancelled_at: now(), required_action: null });
        return run;
      },
    ],
    [
      'POST',
      /^\/v1\/threads\/([^/]+)\/runs\/([^/]+)\/submit_tool_outputs$/,
      ([threadId, runId], body) => {
        if (body.stream === true) {
          throw new ApiError(400, 'Streaming is not supported by this server.', 'stream');
        }
        const state = threadOf(threadId!);
        const run = runOf(state, runId!);
        if (run.status !== 'requires_action') {
          throw new ApiError(
            400,
            `Runs in status "${run.status}" do not accept tool outputs.`,
            'tool_outputs',
          );
        }
        const outputs =
          (body.tool_outputs as Array<{ tool_call_id?: string; output?: string }>) ?? [];
        const step = state.steps
          .get(run.id)!
          .find((candidate) => candidate.status === 'in_progress');
        if (step?.step_details.type === 'tool_calls') {
          for (const call of step.step_details.tool_calls) {
            if (call.type !== 'function') continue;
            call.function.output = outputs.find((o) => o.tool_call_id === call.id)?.output ?? '';
          }
          Object.assign(step, { status: 'completed', completed_at: now() });
        }
        Object.assign(run, { status: 'queued', required_action: null });
        work(state, run);
        return run;
      },
    ],
    [
      'GET',
      /^\/v1\/threads\/([^/]+)\/runs\/([^/]+)\/steps$/,
      ([threadId, runId], _, query) => {
        const state = threadOf(threadId!);
        return page(state.steps.get(runOf(state, runId!).id)!, query);
      },
    ],
    [
      'GET',
      /^\/v1\/threads\/([^/]+)\/runs\/([^/]+)\/steps\/([^/]+)$/,
      ([threadId, runId, stepId]) => {
        const state = threadOf(threadId!);
        const step = state.steps.get(runOf(state, runId!).id)!.find((s) => s.id === stepId);
        if (!step) throw new ApiError(404, `No step found with id '${stepId}'.`);
        return step;
      },
    ],
  ];

  const handle = (req: IncomingMessage, res: ServerResponse, text: string) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    try {
      for (const [method, path, handler] of routes) {
        const match = path.exec(url.pathname);
        if (!match || method !== req.method) continue;
        const body = text ? (JSON.parse(text) as Json) : {};
        return send(res, 200, handler(match.slice(1), body, url.searchParams));
      }
      throw new ApiError(404, `Invalid URL (${req.method} ${url.pathname})`);
    } catch (error) {
      const known = error instanceof ApiError ? error : new ApiError(500, String(error));
      const type = known.status >= 500 ? 'server_error' : 'invalid_request_error';
      send(res, known.status, {
        error: { message: known.message, type, param: known.param, code: known.code },
      });
    }
  };

  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (part: string) => (text += part));
    req.on('end', () => handle(req, res, text));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const port = await listenOnLoopback(server);
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    runsByThread,
    duplicates: () => [...runsByThread.values()].filter((runs) => runs.length > 1).length,
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        timers.forEach((timer) => clearTimeout(timer));
        timers.clear();
        sockets.forEach((socket) => socket.destroy());
      })),
  };
}

function send(res: ServerResponse, status: number, value: unknown) {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
