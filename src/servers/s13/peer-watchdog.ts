/**
 * The watchdog of one Diameter peer connection (RFC 3539 §3.4.1, RFC 6733 §5.5): after Tw without
 * a message from the peer, send it a Device-Watchdog-Request; if nothing at all arrives within a
 * further Tw (no DWA, no request), the peer is down and the connection is closed. Any message
 * received puts the peer back in the OKAY state.
 */
export class PeerWatchdog {
  private timer: NodeJS.Timeout | undefined;
  private suspect = false;

  constructor(
    private readonly twMs: number,
    private readonly sendWatchdogRequest: () => void,
    private readonly onFailure: () => void,
  ) {
    this.arm();
  }

  /** A message arrived from the peer: it is alive. */
  received(): void {
    this.suspect = false;
    this.timer?.refresh();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    // RFC 3539 §3.4.1: Tw carries a jitter of ±2 s, so that peers' watchdogs do not fall into step.
    const jitter = Math.min(2_000, this.twMs / 10);
    const ms = Math.max(1, Math.round(this.twMs + (Math.random() * 2 - 1) * jitter));
    this.timer = setTimeout(() => this.expired(), ms);
  }

  private expired(): void {
    if (this.suspect) {
      this.stop();
      this.onFailure();
      return;
    }
    this.suspect = true;
    this.arm();
    this.sendWatchdogRequest();
  }
}
