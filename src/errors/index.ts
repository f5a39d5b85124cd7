export { RxAssistantsError, redactSecrets } from './RxAssistantsError';
export { BackendError, type BackendErrorInit } from './BackendError';
export {
  RunError,
  RunFailedError,
  RunCancelledError,
  RunExpiredError,
  RunIncompleteError,
  runErrorFor,
} from './RunError';
export { RunTimeoutError, type RunTimeoutErrorInit } from './RunTimeoutError';
export { ToolCallError, type ToolCallErrorInit } from './ToolCallError';
export { StreamInterruptedError, type StreamInterruptedErrorInit } from './StreamInterruptedError';
