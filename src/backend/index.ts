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
export { isTerminalStatus, isRunEvent } from './runStatus';
export type * from './types';
