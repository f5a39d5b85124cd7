import type { AssistantsBackend, ThreadCreateAndRunParams } from '../backend/AssistantsBackend';
import type { Resilience } from './resilientBackend';
import type { ToolErrorPolicy, ToolHandlers } from './toolCalls';
import type { Transport } from './types';
import type { ResolvedWatchConfig } from './watchRun';

/** Everything `followRun` needs, resolved from the call's options and the client's config. */
export interface FollowConfig {
  /** The client's requests (bounded retries). */
  backend: AssistantsBackend;
  /** The same backend with the reads of a watch retried without limit. */
  watching: AssistantsBackend;
  resilience: Resilience;
  watch: ResolvedWatchConfig;
  transport: Transport;
  handlers: ToolHandlers;
  onToolError: ToolErrorPolicy;
  cancelOnUnsubscribe: boolean;
  /** Shared by the client's runs: set once the server refused a stream, so `'auto'` polls from then on. */
  streaming: { refused: boolean };
}

/** A run on a thread created with it (`threads.createAndRun`): a failed run leaves no thread. */
export interface NewThread {
  thread: NonNullable<ThreadCreateAndRunParams['thread']>;
  /** Called with the thread's id as soon as the creation answers. */
  claim(threadId: string): void;
}
