/** Progress on stderr: a redrawn bar on a terminal, a plain line per update otherwise. */
export class ProgressBar {
  private readonly tty = process.stderr.isTTY === true;
  private lastLine = 0;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly enabled = true,
  ) {}

  update(done: number, note = ""): void {
    if (this.total === 0) {
      if (this.enabled && this.tty) process.stderr.write(`\r${this.label}: ${done} ${note}`);
      return;
    }
    if (!this.enabled) return;
    const pct = this.total === 0 ? 100 : Math.floor((100 * done) / this.total);
    if (this.tty) {
      const width = 30;
      const filled = Math.round((width * pct) / 100);
      process.stderr.write(
        `\r${this.label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${pct}% ${done}/${this.total} ${note}`,
      );
    } else if (pct >= this.lastLine + 10 || done === this.total) {
      this.lastLine = pct;
      process.stderr.write(`${this.label}: ${done}/${this.total} (${pct}%) ${note}\n`);
    }
  }

  finish(): void {
    if (this.enabled && this.tty) process.stderr.write("\n");
  }
}
