import { isIP } from "node:net";
import type { Logger } from "pino";
import { SbiClient } from "./sbi-client.js";

/** The parts of a TS 29.510 NFProfile that describe this node as a 5G-EIR. */
export interface EirProfileInput {
  readonly nfInstanceId: string;
  /** The address AMFs reach the SBI on: an IP address or an FQDN. */
  readonly sbiHost: string;
  readonly sbiPort: number;
  readonly heartbeatSeconds: number;
  readonly oauth2Required: boolean;
  readonly nodeVersion: string;
}

export type NfProfile = Readonly<Record<string, unknown>> & { readonly nfInstanceId: string };

/** TS 29.510 §6.1.6.2.2 NFProfile for nfType 5G_EIR offering n5g-eir-eic (TS 29.511 API 1.2.0). */
export function eirProfile(input: EirProfileInput): NfProfile {
  const family = isIP(input.sbiHost);
  const address =
    family === 4
      ? { ipv4Address: input.sbiHost }
      : family === 6
        ? { ipv6Address: input.sbiHost }
        : {};
  const service = {
    serviceInstanceId: "n5g-eir-eic-0",
    serviceName: "n5g-eir-eic",
    versions: [{ apiVersionInUri: "v1", apiFullVersion: "1.2.0" }],
    scheme: "http",
    nfServiceStatus: "REGISTERED",
    ...(family === 0 ? { fqdn: input.sbiHost } : {}),
    ipEndPoints: [{ ...address, transport: "TCP", port: input.sbiPort }],
    oauth2Required: input.oauth2Required,
  };
  return {
    nfInstanceId: input.nfInstanceId,
    nfInstanceName: `devicechain ${input.nodeVersion}`,
    nfType: "5G_EIR",
    nfStatus: "REGISTERED",
    heartBeatTimer: input.heartbeatSeconds,
    ...(family === 4 ? { ipv4Addresses: [input.sbiHost] } : {}),
    ...(family === 6 ? { ipv6Addresses: [input.sbiHost] } : {}),
    ...(family === 0 ? { fqdn: input.sbiHost } : {}),
    // nfServiceList is the Rel-17 form; nfServices (deprecated) is what earlier NRFs read.
    nfServiceList: { [service.serviceInstanceId]: service },
    nfServices: [service],
  };
}

export interface NrfRegistrationOptions {
  /** The NRF's apiRoot, e.g. http://nrf.5gc.mnc001.mcc001.3gppnetwork.org:7777. */
  readonly nrfUri: string;
  readonly profile: NfProfile;
  readonly logger: Logger;
  /** Called when the NRF accepts or loses our registration. */
  readonly onRegistered?: (registered: boolean) => void;
  /** First and longest wait between attempts to register. */
  readonly retryMinMs?: number;
  readonly retryMaxMs?: number;
  readonly requestTimeoutMs?: number;
}

const NFM = "/nnrf-nfm/v1/nf-instances";

/**
 * NFRegister, NFUpdate heartbeats and NFDeregister (TS 29.510 §5.2.2.2, 5.2.2.3.2, 5.2.2.4) for
 * one NF instance. Registration retries with backoff while the NRF is unreachable; a heartbeat
 * the NRF answers 404 (it forgot us, e.g. after a restart) registers again.
 */
export class NrfRegistration {
  private readonly client: SbiClient;
  private readonly path: string;
  private timer: NodeJS.Timeout | undefined;
  private registered = false;
  private stopped = false;
  private retryMs: number;
  private heartbeatMs: number;
  /** The request in flight, so that stop() can wait for it before deregistering. */
  private inFlight: Promise<void> = Promise.resolve();

  constructor(private readonly opts: NrfRegistrationOptions) {
    this.client = new SbiClient(opts.nrfUri);
    this.path = `${NFM}/${encodeURIComponent(opts.profile.nfInstanceId)}`;
    this.retryMs = opts.retryMinMs ?? 1_000;
    this.heartbeatMs = Number(opts.profile.heartBeatTimer ?? 10) * 1_000;
  }

  get isRegistered(): boolean {
    return this.registered;
  }

  /** Begin registering; it goes on in the background until stop(). */
  start(): void {
    this.schedule(0, () => this.register());
  }

  /** Stop heartbeats and deregister if registered (bounded by the request timeout). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    await this.inFlight;
    if (this.registered) {
      try {
        const r = await this.send("DELETE");
        this.opts.logger.info({ status: r.status }, "deregistered from the NRF");
      } catch (err) {
        this.opts.logger.warn({ err }, "NFDeregister failed");
      }
      this.setRegistered(false);
    }
    this.client.close();
  }

  private async register(): Promise<void> {
    try {
      const r = await this.send("PUT", this.opts.profile);
      if (r.status !== 200 && r.status !== 201) {
        throw new Error(`the NRF answered ${r.status}: ${r.body.slice(0, 300)}`);
      }
      const accepted = parseObject(r.body);
      const timer = accepted?.heartBeatTimer;
      // The NRF may impose its own heartbeat period (TS 29.510 §5.2.2.2.2).
      if (typeof timer === "number" && timer > 0) this.heartbeatMs = timer * 1_000;
      this.retryMs = this.opts.retryMinMs ?? 1_000;
      this.setRegistered(true);
      this.opts.logger.info(
        { nrf: this.opts.nrfUri, status: r.status, heartbeatS: this.heartbeatMs / 1_000 },
        "registered with the NRF as 5G_EIR",
      );
      this.schedule(this.heartbeatMs, () => this.heartbeat());
    } catch (err) {
      this.setRegistered(false);
      this.opts.logger.warn(
        { err, nrf: this.opts.nrfUri, retryMs: this.retryMs },
        "NFRegister failed; retrying",
      );
      this.schedule(this.retryMs, () => this.register());
      this.retryMs = Math.min(this.retryMs * 2, this.opts.retryMaxMs ?? 30_000);
    }
  }

  private async heartbeat(): Promise<void> {
    try {
      const r = await this.send(
        "PATCH",
        [{ op: "replace", path: "/nfStatus", value: "REGISTERED" }],
        "application/json-patch+json",
      );
      if (r.status === 404) {
        this.opts.logger.warn("the NRF no longer knows this instance; registering again");
        this.setRegistered(false);
        this.schedule(0, () => this.register());
        return;
      }
      if (r.status !== 200 && r.status !== 204) {
        this.opts.logger.warn(
          { status: r.status, body: r.body.slice(0, 300) },
          "heartbeat refused",
        );
      }
    } catch (err) {
      this.opts.logger.warn({ err }, "heartbeat to the NRF failed");
    }
    this.schedule(this.heartbeatMs, () => this.heartbeat());
  }

  private send(method: "PUT" | "PATCH" | "DELETE", body?: unknown, contentType?: string) {
    return this.client.request({
      method,
      path: this.path,
      ...(body === undefined ? {} : { body }),
      ...(contentType === undefined ? {} : { contentType }),
      timeoutMs: this.opts.requestTimeoutMs ?? 5_000,
    });
  }

  private schedule(ms: number, step: () => Promise<void>): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.inFlight = step();
    }, ms);
    this.timer.unref();
  }

  private setRegistered(registered: boolean): void {
    if (registered === this.registered) return;
    this.registered = registered;
    this.opts.onRegistered?.(registered);
  }
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === "object" && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
