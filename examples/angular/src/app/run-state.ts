import {
  isRunEvent,
  isTerminalStatus,
  type Message,
  type RunEvent,
  type RunStatus,
} from 'rx-assistants';
import {
  catchError,
  distinctUntilChanged,
  endWith,
  map,
  of,
  scan,
  type Observable,
  type OperatorFunction,
} from 'rxjs';

/** What the page shows of one run. */
export interface RunState {
  /** Each status the run has been seen in, in order: queued, in_progress, completed. */
  statuses: RunStatus[];
  /** The tutor's reply, once it is written. */
  reply?: string;
  /** Why the run could not be followed (the server is down, refuses the page...). */
  error?: string;
  /** The stream has ended: the run reached a terminal status, failed, or was let go. */
  done: boolean;
}

/** A change to the state. */
type Step = (state: RunState) => RunState;

/** The text blocks of a message, joined. */
const textOf = (message: Message): string =>
  message.content.flatMap((block) => (block.type === 'text' ? [block.text.value] : [])).join('\n');

const onEvent =
  (event: RunEvent): Step =>
  (state) => {
    if (isRunEvent(event)) {
      const status = event.data.status;
      return state.statuses.at(-1) === status
        ? state
        : { ...state, statuses: [...state.statuses, status] };
    }
    if (event.event === 'thread.message.completed' && event.data.role === 'assistant') {
      return { ...state, reply: textOf(event.data) };
    }
    return state;
  };

/** Folds a run's events into the state the page shows, one value per change. */
export function runState(): OperatorFunction<RunEvent, RunState> {
  return (events$: Observable<RunEvent>) =>
    events$.pipe(
      map(onEvent),
      catchError((error: unknown) =>
        of<Step>((state) => ({ ...state, error: (error as Error).message ?? String(error) })),
      ),
      endWith<Step>((state) => ({ ...state, done: true })),
      scan((state: RunState, step: Step) => step(state), { statuses: [], done: false }),
      distinctUntilChanged(),
    );
}

/** Whether the page let the run go before it ended (the Cancel button). */
export const wasCancelled = (state: RunState): boolean => {
  const last = state.statuses.at(-1);
  return state.done && !state.error && last !== undefined && !isTerminalStatus(last);
};
