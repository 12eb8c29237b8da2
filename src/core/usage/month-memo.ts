/**
 * monthOf for a stream of times that mostly fall in one month (request arrivals): the same
 * answer as monthOf, but a Date is built only when a time leaves the month last answered.
 */
import { monthOf, nextMonthStart } from "./usage-month.js";

/** A monthOf that remembers the last month's bounds (one per caller: no shared state). */
export function monthMemo(): (timeMs: number) => string {
  let start = 0;
  let end = 0;
  let month = "";
  return (timeMs) => {
    if (timeMs < start || timeMs >= end) {
      month = monthOf(timeMs);
      const [y, m] = month.split("-").map(Number) as [number, number];
      start = Date.UTC(y, m - 1, 1);
      end = nextMonthStart(month);
    }
    return month;
  };
}
