/** A NAS this node accepts RADIUS from, resolved from configuration. */
export interface RadiusClient {
  readonly address: string;
  readonly name: string;
  readonly secret: Buffer;
  readonly coaPort: number;
  readonly requireMessageAuthenticator: boolean;
}

/** An active session, known from Accounting-Start or Interim-Update (RFC 2866). */
export interface RadiusSession {
  readonly client: RadiusClient;
  readonly acctSessionId: string;
  /** Registry key of the device's MAC. */
  readonly identifierKey: string;
  readonly userName?: string;
  /** The subscriber its device is checked for (subscriberOfRequest); none under MAC authentication. */
  readonly subscriber?: string;
  readonly callingStationId?: string;
  readonly nasIpAddress?: string;
  readonly nasIdentifier?: string;
  /** Milliseconds since the epoch of the first accounting packet seen for it. */
  readonly since: number;
}

const sessionKey = (clientAddress: string, acctSessionId: string): string =>
  `${clientAddress}\u0000${acctSessionId}`;

/**
 * Active sessions, by NAS and Acct-Session-Id and by device, bounded in number. They live in
 * memory: a restarted node learns them again from the NAS's next Interim-Update.
 */
export class RadiusSessions {
  private readonly sessions = new Map<string, RadiusSession>();
  private readonly byDevice = new Map<string, Set<string>>();

  constructor(private readonly max: number) {}

  get size(): number {
    return this.sessions.size;
  }

  /** Record or refresh a session; false when the table is full and it is new. */
  upsert(s: RadiusSession): boolean {
    const key = sessionKey(s.client.address, s.acctSessionId);
    const old = this.sessions.get(key);
    if (!old && this.sessions.size >= this.max) return false;
    if (old && old.identifierKey !== s.identifierKey) this.unindex(old.identifierKey, key);
    this.sessions.set(key, old ? { ...s, since: old.since } : s);
    let keys = this.byDevice.get(s.identifierKey);
    if (!keys) {
      keys = new Set();
      this.byDevice.set(s.identifierKey, keys);
    }
    keys.add(key);
    return true;
  }

  remove(clientAddress: string, acctSessionId: string): RadiusSession | undefined {
    const key = sessionKey(clientAddress, acctSessionId);
    const s = this.sessions.get(key);
    if (!s) return undefined;
    this.sessions.delete(key);
    this.unindex(s.identifierKey, key);
    return s;
  }

  has(clientAddress: string, acctSessionId: string): boolean {
    return this.sessions.has(sessionKey(clientAddress, acctSessionId));
  }

  /** Forget every session of a NAS (Accounting-On or -Off: it rebooted). */
  removeClient(clientAddress: string): number {
    let n = 0;
    for (const s of [...this.sessions.values()]) {
      if (s.client.address === clientAddress && this.remove(clientAddress, s.acctSessionId)) n++;
    }
    return n;
  }

  /** The sessions of a device, by one of its identifier keys. */
  ofIdentifier(identifierKey: string): RadiusSession[] {
    const keys = this.byDevice.get(identifierKey);
    if (!keys) return [];
    return [...keys].map((k) => this.sessions.get(k)).filter((s) => s !== undefined);
  }

  private unindex(identifierKey: string, key: string): void {
    const keys = this.byDevice.get(identifierKey);
    keys?.delete(key);
    if (keys?.size === 0) this.byDevice.delete(identifierKey);
  }
}
