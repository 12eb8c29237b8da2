import type { CheckReport } from "../../core/check/check-report.js";

/**
 * Signed check reports of the current height. A report is a function of the committed state at
 * its height (and of the node's fixed TAC database and key), so until the next block every check
 * of the same identifier gets the same report: the node builds and signs it once, and serialises
 * it once (the ~4 KB JSON with its proof bundle, kept beside the object). The cache empties when
 * the height moves, and is bounded, so hostile traffic over many identifiers costs a rebuild,
 * never memory.
 */
export class ReportCache {
  private height = -1;
  private readonly reports = new Map<string, { report: CheckReport; json?: string }>();

  constructor(private readonly max = 10_000) {}

  get(height: number, key: string): CheckReport | undefined {
    return height === this.height ? this.reports.get(key)?.report : undefined;
  }

  set(height: number, key: string, report: CheckReport): void {
    if (height < this.height) return;
    if (height > this.height || this.reports.size >= this.max) {
      this.reports.clear();
      this.height = height;
    }
    this.reports.set(key, { report });
  }

  /**
   * The JSON of a report, made by `serialise` once while the report is the cached one, and anew
   * each time when it is not (or no longer) cached.
   */
  json(
    height: number,
    key: string,
    report: CheckReport,
    serialise: (r: CheckReport) => string,
  ): string {
    const entry = height === this.height ? this.reports.get(key) : undefined;
    if (entry?.report !== report) return serialise(report);
    entry.json ??= serialise(report);
    return entry.json;
  }
}
