import type { CheckReport } from "../../core/check/check-report.js";
import type { Signer } from "../../core/crypto/ed25519.js";
import { toBase64Url } from "../../core/encoding/bytes.js";
import { canonicalBytes } from "../../core/encoding/canonical-json.js";
import { type ErrorCode, isErrorCode } from "../../core/errors/catalogue.js";
import { makeError } from "../../core/errors/devicechain-error.js";
import type { SignedTx } from "../../core/tx/transaction.js";

export const DEFAULT_NODE_URL = "http://127.0.0.1:8080";

export interface CommittedResult {
  readonly hash: string;
  readonly height: number;
  readonly index: number;
  readonly code: number;
  readonly codeName: string;
  readonly log: string;
  readonly events: readonly { type: string; attributes: Record<string, string> }[];
}

export interface AccountInfo {
  readonly keyId: string;
  readonly account: string;
  readonly role: string;
  readonly lastNonce: number;
  readonly nextNonce: number;
}

export interface NodeStatus {
  readonly chainId: string;
  readonly height: number;
  readonly appHash: string;
  readonly blockHash: string;
  readonly time: string;
  readonly engine: string;
  readonly dev: boolean;
  readonly mempool: number;
}

export interface DeviceInfo {
  readonly id: string;
  readonly ids: readonly string[];
  readonly state: string;
  readonly equipmentStatus: string;
  readonly manufacturer: string;
  readonly ownerFingerprint?: string;
  readonly deviceKey?: string;
  readonly marks: readonly {
    kind: string;
    by: string;
    role: string;
    reference?: string;
    height: number;
  }[];
  readonly block?: { by: string; reason: string; reference?: string; height: number };
  readonly offer?: { id: string; toFingerprint: string; height: number };
  readonly suspicions?: readonly { by: string; rule: string; evidence: string; height: number }[];
  readonly pairings?: number;
  readonly settlement?: { insurer: string; claim: string; height: number };
  readonly historyLength?: number;
}

export interface HistoryEntryInfo {
  readonly height: number;
  readonly time: number;
  readonly tx: string;
  readonly actor: string;
  readonly event: string;
}

/** What a watch names: devices (any identifier form), for `days` (1 to 90), to a webhook or a stream. */
export interface WatchRequest {
  readonly devices: readonly string[];
  readonly days?: number;
  readonly webhook?: {
    readonly url: string;
    readonly signing?: "ed25519" | "hmac-sha256";
    readonly secret?: string;
  };
}

/** A watch as the node answers it (docs/PROTOCOL.md, "Watches"). */
export interface WatchInfo {
  readonly id: string;
  readonly owner: string;
  /** Registry keys: each registered device's primary key, or an unregistered identifier's. */
  readonly devices: readonly string[];
  readonly unregistered?: readonly string[];
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly webhook: { readonly url: string; readonly signing: string } | null;
}

/** Who creates a watch: a third party's API key (scope watch), or a member signing with its key. */
export type WatchAuth =
  | { readonly apiKey: string }
  | { readonly signer: Signer; readonly chain: string };

/** A node's answer to an ownership check: is the key that signed the challenge the owner now? */
export interface OwnershipAnswer {
  readonly owner: boolean;
  /** The device's primary registry key. */
  readonly device: string;
  /** The committed height the answer is true at. */
  readonly height: number;
}
/** One answer of a bulk check: the report, or why that identifier could not be checked. */
export type CheckResult =
  | { readonly input: string; readonly report: CheckReport }
  | { readonly input: string; readonly error: { readonly code: string; readonly message: string } };

/** A typed client of a node's REST API at an http(s) base URL. Error replies become coded errors. */
export class NodeClient {
  readonly baseUrl: string;

  constructor(
    baseUrl: string = DEFAULT_NODE_URL,
    private readonly timeoutMs = 60_000,
  ) {
    let url: URL | undefined;
    try {
      url = new URL(baseUrl);
    } catch {
      url = undefined;
    }
    // Without this, a URL fetch cannot use fails later as "is the node running?".
    if (url?.protocol !== "http:" && url?.protocol !== "https:") {
      throw makeError(
        "REQUEST_BAD_PARAMS",
        `The node's URL ${JSON.stringify(baseUrl)} is not an http:// or https:// URL, e.g. ${DEFAULT_NODE_URL}`,
      );
    }
    this.baseUrl = baseUrl.replace(/\/+$/, "");
  }

  private async request<T>(
    path: string,
    init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.baseUrl + path, {
        method: init.method ?? "GET",
        ...(init.body === undefined
          ? { headers: { ...init.headers } }
          : {
              body: JSON.stringify(init.body),
              headers: { ...init.headers, "content-type": "application/json" },
            }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (cause) {
      throw makeError("NODE_UNAVAILABLE", `No answer from ${this.baseUrl}: is the node running?`, {
        cause,
      });
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (cause) {
      throw makeError("INTERNAL", `${this.baseUrl}${path} answered ${res.status} with non-JSON`, {
        cause,
      });
    }
    if (!res.ok) {
      const err = (
        body as { error?: { code?: string; message?: string; data?: Record<string, unknown> } }
      ).error;
      const code: ErrorCode =
        err?.code !== undefined && isErrorCode(err.code) ? err.code : "INTERNAL";
      throw makeError(
        code,
        err?.message ?? `HTTP ${res.status}`,
        err?.data ? { data: err.data } : {},
      );
    }
    return body as T;
  }

  submit(tx: SignedTx): Promise<CommittedResult> {
    return this.request("/v1/txs", { method: "POST", body: tx });
  }

  /** The node key that signs its webhook deliveries, check reports and (embedded) block headers. */
  signingKey(): Promise<{ readonly keyId: string }> {
    return this.request("/v1/webhooks/signing-key");
  }

  status(): Promise<NodeStatus> {
    return this.request("/v1/status");
  }

  account(keyId: string): Promise<AccountInfo> {
    return this.request(`/v1/accounts/${encodeURIComponent(keyId)}`);
  }

  device(id: string): Promise<DeviceInfo> {
    return this.request(`/v1/devices/${encodeURIComponent(id)}`);
  }

  history(id: string): Promise<{ id: string; history: HistoryEntryInfo[] }> {
    return this.request(`/v1/devices/${encodeURIComponent(id)}/history`);
  }

  devices(after?: string, limit = 1_000): Promise<{ devices: DeviceInfo[]; next?: string }> {
    const q = after === undefined ? "" : `&after=${encodeURIComponent(after)}`;
    return this.request(`/v1/devices?limit=${limit}${q}`);
  }

  members(): Promise<{ members: Record<string, unknown>[] }> {
    return this.request("/v1/members");
  }

  /** Create a watch: every change to its devices goes to its webhook, or its event stream. */
  watch(w: WatchRequest, auth: WatchAuth): Promise<WatchInfo> {
    if ("apiKey" in auth) {
      return this.request("/v1/watches", {
        method: "POST",
        body: w,
        headers: { authorization: `Bearer ${auth.apiKey}` },
      });
    }
    const request = {
      chain: auth.chain,
      key: auth.signer.keyId,
      time: Date.now(),
      op: "watch",
      ...w,
    };
    const sig = toBase64Url(auth.signer.sign(canonicalBytes(request)));
    return this.request("/v1/watches", { method: "POST", body: { request, sig } });
  }

  /**
   * POST /v1/check/{id}/ownership: a forged proof is OWNERSHIP_PROOF_INVALID, not owner false.
   * Without an API key, on the node's public tier (docs/PROTOCOL.md, "Paid access").
   */
  checkOwnership(
    id: string,
    proof: { readonly challenge: string; readonly key: string; readonly signature: string },
    apiKey?: string,
  ): Promise<OwnershipAnswer> {
    const body = { challenge: proof.challenge, key: proof.key, signature: proof.signature };
    return this.request(`/v1/check/${encodeURIComponent(id)}/ownership`, {
      method: "POST",
      body,
      headers: bearer(apiKey),
    });
  }

  /**
   * A device's signed check report (verify it with core/check/report-signature verifyCheckReport).
   * Without an API key, on the node's public tier; with one, at its plan's rate, metered.
   */
  check(id: string, apiKey?: string): Promise<CheckReport> {
    return this.request(`/v1/check/${encodeURIComponent(id)}`, { headers: bearer(apiKey) });
  }

  /**
   * Check reports for up to 1,000 identifiers, in order; an unreadable one is {input, error}.
   * Needs an API key with the bulk scope (else ACCESS_KEY_REQUIRED).
   */
  checkMany(ids: readonly string[], apiKey?: string): Promise<{ results: CheckResult[] }> {
    return this.request("/v1/check", { method: "POST", body: { ids }, headers: bearer(apiKey) });
  }
}

/** The header that presents a paid-access API key, or none. */
const bearer = (apiKey: string | undefined): Record<string, string> =>
  apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` };
