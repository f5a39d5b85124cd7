import type { Page } from 'playwright-core';

/** One request of a page, CORS preflights included, and what the server answered. */
export interface SeenRequest {
  method: string;
  url: string;
  /** The answer's status; `undefined` when none came (the connection failed). */
  status?: number;
  /** The answer's headers, names in lower case. */
  headers: Record<string, string>;
}

/** Every request a page makes, as Chromium's network stack saw it. */
export interface NetworkLog {
  /** The requests answered or failed so far, in that order. */
  requests: SeenRequest[];
  /**
   * The first request that matches, once answered (or failed), now or later.
   *
   * @param from Where to start in `requests`: their length before a call
   *   finds the requests of that call only.
   */
  request(matches: (request: SeenRequest) => boolean, from?: number): Promise<SeenRequest>;
}

interface Pending extends SeenRequest {
  done: boolean;
}
interface Headers {
  headers: Record<string, string>;
}

const lowerCased = (headers: Record<string, string>) =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));

/**
 * Records the requests of `page` through the DevTools protocol, which, unlike
 * Playwright's events, shows CORS preflights and the status of answers that
 * the page itself may not read (`mode: 'no-cors'`, or refused by CORS).
 */
export async function watchNetwork(page: Page): Promise<NetworkLog> {
  const cdp = await page.context().newCDPSession(page);
  const pending = new Map<string, Pending>();
  const requests: SeenRequest[] = [];
  const waiters: { matches: (r: SeenRequest) => boolean; resolve(r: SeenRequest): void }[] = [];
  const entry = (id: string) => {
    let found = pending.get(id);
    if (!found) pending.set(id, (found = { method: '', url: '', headers: {}, done: false }));
    return found;
  };
  // Answered once its status is known (a refused CORS request has a status
  // only in the "extra info"), or once it fails without one.
  const settle = (id: string) => {
    const seen = pending.get(id);
    if (!seen || seen.done || seen.url === '') return;
    seen.done = true;
    const { done: _, ...request } = seen;
    requests.push(request);
    for (const waiter of waiters.filter((w) => w.matches(request))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(request);
    }
  };
  cdp.on(
    'Network.requestWillBeSent',
    (event: { requestId: string; request: { method: string; url: string } }) => {
      Object.assign(entry(event.requestId), {
        method: event.request.method,
        url: event.request.url,
      });
      const seen = entry(event.requestId);
      if (seen.status !== undefined) settle(event.requestId);
    },
  );
  const answered = (id: string, status: number, headers: Record<string, string>) => {
    const seen = entry(id);
    seen.status ??= status;
    Object.assign(seen.headers, lowerCased(headers));
    settle(id);
  };
  cdp.on(
    'Network.responseReceived',
    (event: { requestId: string; response: { status: number } & Headers }) =>
      answered(event.requestId, event.response.status, event.response.headers),
  );
  cdp.on(
    'Network.responseReceivedExtraInfo',
    (event: { requestId: string; statusCode: number } & Headers) =>
      answered(event.requestId, event.statusCode, event.headers),
  );
  cdp.on('Network.loadingFailed', (event: { requestId: string }) => settle(event.requestId));
  cdp.on('Network.loadingFinished', (event: { requestId: string }) => settle(event.requestId));
  await cdp.send('Network.enable');
  return {
    requests,
    request: (matches, from = 0) => {
      const seen = requests.slice(from).find(matches);
      return seen
        ? Promise.resolve(seen)
        : new Promise((resolve) => waiters.push({ matches, resolve }));
    },
  };
}
