/**
 * `rx-assistants/local`: the embedded runtime. It runs the Assistants protocol
 * in process, with the API's semantics, on a pluggable model.
 */
export { localBackend, type LocalBackend, type LocalBackendConfig } from './localBackend';
export type { LocalLimits } from './limits';
export type { RunTiming } from './RunStatusMachine';
export { memoryStore, type MemoryStoreOptions } from './memoryStore';
export {
  ActiveRunConflictError,
  putWrite,
  type AssistantsStore,
  type KeptResponse,
  type RunEventChannel,
  type RunLease,
  type SharedRunEvent,
  type StoredKind,
  type StoredRecords,
  type StoreListQuery,
  type StoreWrite,
} from './storePort';
export type {
  ModelAdapter,
  ModelContext,
  ModelEvent,
  ModelFinishReason,
  ModelJsonSchema,
  ModelMessage,
  ModelRequest,
  ModelTool,
  ModelToolCall,
  ModelToolChoice,
} from './ModelAdapter';
export { estimateTokens } from './tokens';
export { tutorModel, type TutorModelOptions } from './models/tutorModel';
export {
  chatCompletionsModel,
  type ChatCompletionsModelOptions,
} from './models/chatCompletionsModel';
export { responsesModel, type ResponsesModelOptions } from './models/responsesModel';
