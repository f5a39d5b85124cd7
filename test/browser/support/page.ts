import type { Browser, Page } from 'playwright-core';

/** A page script's API: functions of serializable arguments and results. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any arguments, typed by each API
export type PageApi = Record<string, (...args: any[]) => Promise<unknown>>;

/** Calls `name` of the page's API with `args` in the page, and resolves with its result. */
export type PageCall<A extends PageApi> = <K extends keyof A & string>(
  name: K,
  ...args: Parameters<A[K]>
) => Promise<Awaited<ReturnType<A[K]>>>;

/**
 * Opens `url` in a new page of `browser` and waits until its script has put
 * its API on `globalThis[global]`.
 *
 * @returns The page and a typed way to call its API.
 */
export async function openPage<A extends PageApi>(
  browser: Browser,
  url: string,
  global: string,
): Promise<{ page: Page; call: PageCall<A> }> {
  const page = await browser.newPage();
  await page.goto(url);
  await page.waitForFunction((name) => name in globalThis, global);
  return { page, call: callerOf<A>(page, global) };
}

/** Calls the API a page script put on `globalThis[global]`. */
export function callerOf<A extends PageApi>(page: Page, global: string): PageCall<A> {
  return (name, ...args) =>
    page.evaluate(
      ([global, name, args]) => {
        const api = (globalThis as unknown as Record<string, PageApi>)[global]!;
        return api[name]!(...args);
      },
      [global, name, args] as const,
    ) as never;
}
