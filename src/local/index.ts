/**
 * `rx-assistants/local`: the embedded runtime, which runs the Assistants
 * protocol in process on a pluggable model. It is under construction: this
 * entry point exists so that imports resolve, and exports nothing yet.
 */
export {};
