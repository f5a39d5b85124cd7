/**
 * `rx-assistants/server`: the Assistants REST and SSE protocol over any
 * `AssistantsBackend`, on Node (see docs/server.md).
 */
export { serve, type ServeOptions, type ServerHandle } from './serve';
export { createApp, type AppOptions } from './app';
