/**
 * A CometBFT time: seconds and nanoseconds since the epoch, exactly as a protobuf Timestamp holds
 * them. Header hashes and vote signatures cover the nanoseconds, which a JavaScript Date drops.
 */
export interface CometTime {
  readonly seconds: bigint;
  readonly nanos: number;
}

// Go's RFC 3339 with nanoseconds (time.RFC3339Nano) in UTC, as CometBFT's RPC writes every time.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/;

/** Read a CometBFT RPC time, or undefined if it is not one (or names no real instant). */
export function parseCometTime(text: string): CometTime | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  // Date rolls 31 April into 1 May: a time that does not read back the same is not a time.
  if (
    date.getUTCFullYear() !== y ||
    date.getUTCMonth() !== mo - 1 ||
    date.getUTCDate() !== d ||
    date.getUTCHours() !== h ||
    date.getUTCMinutes() !== mi ||
    date.getUTCSeconds() !== s
  ) {
    return undefined;
  }
  const nanos = Number((m[7] ?? "").padEnd(9, "0"));
  return { seconds: BigInt(date.getTime() / 1000), nanos };
}

/** Milliseconds since the epoch, rounded down: the precision of trust files and `now`. */
export function cometTimeMs(t: CometTime): number {
  return Number(t.seconds) * 1000 + Math.floor(t.nanos / 1_000_000);
}
