/** The median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Progress for long benches, on stderr so stdout stays JSON lines. */
export function progress(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}
