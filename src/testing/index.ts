/**
 * `rx-assistants/testing`: marble-test helpers and an in-memory backend whose
 * runs follow marble timelines.
 */
export { createTestScheduler, type DeepEqualAssertion } from './createTestScheduler';
export {
  timelineBackend,
  type TimelineBackend,
  type TimelineBackendConfig,
  type TimelineRequest,
  type TimelineRunContext,
  type TimelineToolCall,
} from './timelineBackend';
