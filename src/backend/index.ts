export type {
  AssistantsBackend,
  StreamingBackend,
  Page,
  RunRetrieval,
  RunCreateParams,
  ThreadCreateAndRunParams,
  SubmitToolOutputsParams,
  StepListParams,
  StepRetrieveParams,
  MessageUpdateParams,
  RunUpdateParams,
  RequestOptions,
} from './AssistantsBackend';
export { openaiBackend, isAssistantsBackend } from './openaiBackend';
export { runEvent, type RunEventName, type RunEventOf } from './runEvent';
export { TERMINAL_RUN_STATUSES, isTerminalStatus, isRunEvent, terminalRunOf } from './runStatus';
export type * from './types';
