/**
 * The resource types of the Assistants API, re-exported from the `openai`
 * package so that users can `import type` them from one place. None are
 * redefined: every value that rx-assistants emits is the SDK's own type.
 */
export type {
  Assistant,
  AssistantCreateParams,
  AssistantDeleted,
  AssistantListParams,
  AssistantStreamEvent,
  AssistantTool,
  AssistantUpdateParams,
  FunctionTool,
} from 'openai/resources/beta/assistants';
export type {
  Thread,
  ThreadCreateParams,
  ThreadDeleted,
  ThreadUpdateParams,
} from 'openai/resources/beta/threads/threads';
export type {
  Message,
  MessageContent,
  MessageCreateParams,
  MessageDeleted,
  MessageListParams,
  TextContentBlock,
} from 'openai/resources/beta/threads/messages';
export type {
  RequiredActionFunctionToolCall,
  Run,
  RunListParams,
  RunStatus,
} from 'openai/resources/beta/threads/runs/runs';
export type { FunctionToolCall, RunStep, ToolCall } from 'openai/resources/beta/threads/runs/steps';
