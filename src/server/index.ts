/**
 * `rx-assistants/server`: the loopback server speaking the Assistants REST and
 * SSE protocol (Node only). It is under construction: this entry point exists
 * so that imports resolve, and exports nothing yet.
 */
export {};
