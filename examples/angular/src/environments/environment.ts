import type { AssistantsConfig } from '../app/assistants.config';

/**
 * Where the app's assistants run. `embedded`: in the page, on the offline
 * tutor model of `rx-assistants/local`. For a server, started with
 * `npx rx-assistants serve --cors http://localhost:4200`:
 *
 *   assistants: { mode: 'server', baseURL: 'http://127.0.0.1:8787/v1', apiKey: 'local' },
 */
export const environment: { assistants: AssistantsConfig } = {
  assistants: { mode: 'embedded' },
};
