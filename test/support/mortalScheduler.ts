import { type SchedulerAction, type SchedulerLike, Subscription } from 'rxjs';

/**
 * A scheduler that can die: after `kill()`, nothing it was asked to do runs,
 * and nothing new is scheduled, as in a process killed with SIGKILL. Its
 * clock goes on (it is the machine's).
 */
export function mortal(scheduler: SchedulerLike) {
  const actions = new Subscription();
  let dead = false;
  const mortalScheduler: SchedulerLike = {
    now: () => scheduler.now(),
    schedule<T>(
      work: (this: SchedulerAction<T>, state?: T) => void,
      delay?: number,
      state?: T,
    ): Subscription {
      if (dead) return Subscription.EMPTY;
      // Each action checks the process is alive when it runs.
      const action = scheduler.schedule<T>(
        function (this: SchedulerAction<T>, s?: T) {
          if (!dead) work.call(this, s);
        },
        delay,
        state,
      );
      actions.add(action);
      return action;
    },
  };
  return {
    scheduler: mortalScheduler,
    kill: () => {
      dead = true;
      actions.unsubscribe();
    },
  };
}
