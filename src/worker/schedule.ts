import { createTask, parse } from "node-cron";

/**
 * The schedule's times, read in its own time zone (default Asia/Kolkata) whatever the
 * machine's TZ: node-cron does the zone arithmetic.
 */
export class Schedule {
  constructor(
    readonly expression: string,
    readonly timezone: string,
  ) {}

  /** The next run after now. */
  next(): Date {
    const task = createTask(this.expression, () => undefined, { timezone: this.timezone });
    try {
      const [next] = task.getNextRuns(1);
      if (!next) throw new Error(`the schedule ${this.expression} never runs`);
      return next;
    } finally {
      void task.destroy();
    }
  }

  /** The first run in (from, to], if any: whether a run fell due in that span. */
  firstBetween(from: Date, to: Date): Date | undefined {
    const task = createTask(this.expression, () => undefined, { timezone: this.timezone });
    try {
      const seconds = [...new Set(parse(this.expression).second)].sort((a, b) => a - b);
      const start = Math.floor(from.getTime() / 60_000) * 60_000;
      for (let minute = start; minute <= to.getTime(); minute += 60_000) {
        for (const second of seconds) {
          const at = new Date(minute + second * 1000);
          if (at > from && at <= to && task.match(at)) return at;
        }
      }
      return undefined;
    } finally {
      void task.destroy();
    }
  }
}
