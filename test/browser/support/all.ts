/**
 * `Promise.all` that waits for every promise to settle before it rejects, so
 * that whatever did start (a browser, a child process) has been recorded and
 * `afterAll` can close it.
 */
export async function allSettledOrThrow<T extends readonly unknown[]>(promises: {
  [K in keyof T]: Promise<T[K]>;
}): Promise<T> {
  const results: PromiseSettledResult<unknown>[] = await Promise.allSettled(promises);
  const values = results.map((result) => {
    if (result.status === 'rejected') throw result.reason;
    return result.value;
  });
  return values as unknown as T;
}
