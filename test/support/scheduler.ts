import { expect } from 'vitest';
import { createTestScheduler } from '../../src/testing';

/** The TestScheduler every marble spec of this repository uses. */
export const testScheduler = () =>
  createTestScheduler((actual, expected) => expect(actual).toEqual(expected));
