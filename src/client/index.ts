export { rxAssistants } from './rxAssistants';
export type {
  RxAssistants,
  RxAssistantsConfig,
  RunOptions,
  AskOptions,
  WatchMessagesConfig,
} from './types';
export type { Transport } from './types';
export type { RetryConfig } from './RetryPolicy';
export {
  adaptivePoll,
  type AdaptivePollConfig,
  type PollFunction,
  type PollPolicy,
} from './PollPolicy';
export type { WatchRunConfig } from './watchRun';
export type { RunEvent } from './runEvents';
export type {
  ToolCallContext,
  ToolErrorPolicy,
  ToolHandler,
  ToolHandlers,
  ToolOutput,
} from './toolCalls';
