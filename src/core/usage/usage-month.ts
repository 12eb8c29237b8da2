/**
 * Calendar months and days as usage is counted: UTC, written `YYYY-MM` and `YYYY-MM-DD`. Pure:
 * callers hand in the time (a request's arrival, a block's time); nothing here reads a clock.
 */
export const MONTH = /^2\d{3}-(?:0[1-9]|1[0-2])$/;

/** The UTC month of a time in ms since the epoch, `YYYY-MM`. */
export function monthOf(timeMs: number): string {
  return new Date(timeMs).toISOString().slice(0, 7);
}

/** The UTC day of a time in ms since the epoch, `YYYY-MM-DD`. */
export function dayOf(timeMs: number): string {
  return new Date(timeMs).toISOString().slice(0, 10);
}

/** The first ms of the month after `month` (`YYYY-MM`): when its quota starts again. */
export function nextMonthStart(month: string): number {
  const [y, m] = month.split("-").map(Number) as [number, number];
  return Date.UTC(y, m, 1);
}
