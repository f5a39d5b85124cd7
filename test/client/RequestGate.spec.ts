import { describe, expect, it } from 'vitest';
import { asyncScheduler, NEVER, Observable, of, Subject, take } from 'rxjs';
import { RequestGate } from '../../src/client/RequestGate';
import { testScheduler } from '../support/scheduler';

describe('RequestGate', () => {
  it('holds a place until the request ends, or until its first value for a stream', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const gate = new RequestGate(1, asyncScheduler);
      const stream$ = cold('-a--b|');
      const next$ = cold('-c|');
      expectObservable(gate.through(stream$, true)).toBe('-a--b|');
      expectObservable(gate.through(next$)).toBe('--c|');
      expectSubscriptions(next$.subscriptions).toBe('-^-!');
    });
  });

  it('stops a request that was waiting and is unsubscribed while it emits, and frees its place', () => {
    const gate = new RequestGate(1, asyncScheduler);
    const first = new Subject<never>();
    gate.through(first).subscribe();
    let stopped = false;
    const emitting$ = new Observable<number>((subscriber) => {
      subscriber.next(1);
      subscriber.next(2);
      return () => (stopped = true);
    });
    const values: number[] = [];
    gate
      .through(emitting$)
      .pipe(take(1))
      .subscribe((value) => values.push(value));
    expect(values).toEqual([]);

    first.complete();

    expect(values).toEqual([1]);
    expect(stopped).toBe(true);
    expect(gate.active).toBe(0);
  });

  it('lets a waiting request leave without taking a place, and lets the next one in', () => {
    const gate = new RequestGate(1, asyncScheduler);
    const first = gate.through(NEVER).subscribe();
    let waitingSent = false;
    const waiting = gate.through(new Observable(() => void (waitingSent = true))).subscribe();
    const third = new Subject<string>();
    const seen: string[] = [];
    gate.through(third).subscribe((value) => seen.push(value));

    waiting.unsubscribe();
    first.unsubscribe();
    third.next('sent');

    expect(waitingSent).toBe(false);
    expect(seen).toEqual(['sent']);
    expect(gate.active).toBe(1);
  });

  it('enter sends the request to an observer of its own, and its teardown stops it', () => {
    const gate = new RequestGate(2, asyncScheduler);
    const events: string[] = [];
    const source = new Subject<string>();
    const ticket = gate.enter(
      source,
      {
        next: (value) => events.push(value),
        error: () => events.push('error'),
        complete: () => events.push('complete'),
      },
      true,
    );
    expect(gate.active).toBe(1);
    source.next('first');
    expect(gate.active).toBe(0);

    ticket.unsubscribe();
    source.next('after');

    expect(events).toEqual(['first']);
    expect(source.observed).toBe(false);
  });

  it('completes a request that ends at once and frees its place', () => {
    const gate = new RequestGate(1, asyncScheduler);
    const values: number[] = [];
    gate.through(of(1, 2)).subscribe((value) => values.push(value));
    gate.through(of(3)).subscribe((value) => values.push(value));

    expect(values).toEqual([1, 2, 3]);
    expect(gate.active).toBe(0);
  });
});
