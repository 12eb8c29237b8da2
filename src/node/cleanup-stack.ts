import type { Logger } from "pino";
import type { Service } from "./services/service.js";

interface Entry {
  readonly name: string;
  readonly stop: () => Promise<void> | void;
}

/**
 * What a node has started, to stop in reverse order through one path: on close(), on Ctrl-C and
 * when a later part fails to start. Each entry stops once; a failing stop is logged and the
 * rest still stop, then the first failure is thrown.
 */
export class CleanupStack {
  private readonly entries: Entry[] = [];
  private closing: Promise<void> | undefined;

  constructor(private readonly logger: Logger) {}

  /** Await a service's start and push its stop; returns what it offers (undefined: it is off). */
  async start<T>(starting: Promise<Service<T>>): Promise<T>;
  async start<T>(starting: Promise<Service<T> | undefined>): Promise<T | undefined>;
  async start<T>(starting: Promise<Service<T> | undefined>): Promise<T | undefined> {
    const service = await starting;
    if (service === undefined) return undefined;
    this.defer(service.name, () => service.stop());
    return service.value;
  }

  /** Push a stop for something started without a service module. */
  defer(name: string, stop: () => Promise<void> | void): void {
    if (this.closing) throw new Error(`${name} started while the node is closing`);
    this.entries.push({ name, stop });
  }

  /** Stop every entry, last started first. Idempotent: later calls return the same promise. */
  close(): Promise<void> {
    this.closing ??= this.unwind();
    return this.closing;
  }

  private async unwind(): Promise<void> {
    let failure: { error: unknown } | undefined;
    for (let entry = this.entries.pop(); entry; entry = this.entries.pop()) {
      try {
        await entry.stop();
        this.logger.debug({ service: entry.name }, `${entry.name} stopped`);
      } catch (error) {
        this.logger.error({ err: error, service: entry.name }, `${entry.name} failed to stop`);
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  }
}
