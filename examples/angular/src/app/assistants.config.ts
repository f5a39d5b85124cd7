import { InjectionToken } from '@angular/core';

/** Where the assistants run: in the page, or on an Assistants-compatible server. */
export type AssistantsConfig =
  { mode: 'embedded' } | { mode: 'server'; baseURL: string; apiKey: string };

/** The app's choice of backend; `app.config.ts` provides it from the environment. */
export const ASSISTANTS_CONFIG = new InjectionToken<AssistantsConfig>('ASSISTANTS_CONFIG', {
  providedIn: 'root',
  factory: () => ({ mode: 'embedded' }),
});

/**
 * The server that the page's address names, as in
 * `http://localhost:4200/?server=http://127.0.0.1:8787/v1`, to try a build
 * against a local server without rebuilding it. Only loopback servers are
 * accepted: a link must not send the app's key anywhere else.
 */
export function serverFromUrl(url: string, apiKey = 'local'): AssistantsConfig | undefined {
  const server = new URL(url).searchParams.get('server');
  if (!server || !URL.canParse(server)) return undefined;
  const baseURL = new URL(server);
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(baseURL.hostname);
  if (!loopback || baseURL.protocol !== 'http:') return undefined;
  return { mode: 'server', baseURL: baseURL.href.replace(/\/$/, ''), apiKey };
}
