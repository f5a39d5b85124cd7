import { describe, expect, it } from 'vitest';
import { asyncScheduler, of, Subject } from 'rxjs';
import { pollLoop } from '../../src/client/pollLoop';
import { testScheduler } from '../support/scheduler';

describe('pollLoop', () => {
  it('runs a kick that comes while a poll is emitting after its last value, and polls once for it', () => {
    testScheduler().run(({ flush }) => {
      const kick$ = new Subject<void>();
      const seen: string[] = [];
      let polls = 0;
      pollLoop<string>({
        scheduler: asyncScheduler,
        policy: 100,
        kick$,
        start: () => () => {
          const n = ++polls;
          return of({ values: [`${n}a`, `${n}b`], changed: true, done: n === 3 });
        },
      }).subscribe((value) => {
        seen.push(value);
        if (value === '1a') kick$.next(); // as a tool loop submits on requires_action
      });
      flush();
      expect(seen).toEqual(['1a', '1b', '2a', '2b', '3a', '3b']);
      expect(polls).toBe(3);
    });
  });
});
