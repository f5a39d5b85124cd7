export {
  rxAssistants,
  type RxAssistants,
  type RxAssistantsConfig,
  type RunOptions,
  type AskOptions,
} from './rxAssistants';
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
