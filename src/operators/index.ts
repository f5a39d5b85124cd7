export { untilTerminal } from './untilTerminal';
export { throwOnRunFailure } from './throwOnRunFailure';
export { replies } from './replies';
export { replyText } from './replyText';
export { runStatuses } from './runStatuses';
export { textDeltas } from './textDeltas';
export {
  fanOutRuns,
  type FanOutEvent,
  type FanOutError,
  type FanOutItem,
  type FanOutRunsConfig,
} from './fanOutRuns';
export { isFanOutError } from './isFanOutError';
export { collectRuns, type RunResult } from './collectRuns';
