/**
 * A client in another language, written from docs/PROTOCOL.md alone (python_client.py: Python with
 * only `cryptography` and `rfc8785` from PyPI), against a real dev node: it computes the worked
 * example byte for byte, is refused with the documented code for a tampered signature, signs and
 * submits an owner's stolen report that the node commits, verifies the webhook deliveries of that
 * report (signed by the node key, and with an HMAC), and reads the device back as stolen.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { signerFromSeed } from "../../src/core/crypto/ed25519.js";
import { sha256 } from "../../src/core/crypto/hash.js";
import { fromUtf8, toBase64Url, toHex, utf8 } from "../../src/core/encoding/bytes.js";
import { canonicalize } from "../../src/core/encoding/canonical-json.js";
import { ERRORS } from "../../src/core/errors/catalogue.js";
import { encodeTx, signingBytes, signTx, txHash } from "../../src/core/tx/transaction.js";
import { type DevNode, root, startDevNode } from "./dev-node.js";

const python = path.join(root, ".cache/pytools/bin/python");
const client = path.join(root, "tests/interop/python_client.py");
const INSTALL =
  "python3 -m venv .cache/pytools && .cache/pytools/bin/pip install cryptography==50.0.2 rfc8785==0.1.4";
/** The dev chain's clean phone, sold to the demo owner bob (src/clients/demo). */
const BOBS_PHONE = "356938035643809";
/** Bob's seed is SHA-256 of "devicechain-dev:bob", as for every demo key. */
const BOB_SEED = sha256(utf8("devicechain-dev:bob"));

/** The webhook signing schemes (docs/PROTOCOL.md, "Deliveries"). */
const SCHEMES = ["ed25519", "hmac-sha256"] as const;
type Scheme = (typeof SCHEMES)[number];

/** A delivery as the Python client's receiver got it, and whether its signature verified. */
interface Delivery {
  readonly signature: string;
  readonly verified: boolean;
  readonly verifiedTampered: boolean;
  readonly event: { readonly type: string; readonly event: string };
}

/** What `python_client.py report` prints: each answer of the node, as it saw it. */
interface ReportOutput {
  readonly fingerprint: string;
  readonly submit: {
    readonly nonce: number;
    readonly hash: string;
    readonly status: number;
    readonly body: {
      readonly code?: number;
      readonly hash?: string;
      readonly events?: readonly { readonly attributes: Record<string, string> }[];
      readonly error?: { readonly code: string };
    };
  };
  readonly subscribe?: Readonly<Record<Scheme, { status: number; body: { id: string } }>>;
  readonly delivery?: Readonly<Record<Scheme, Delivery | null>>;
  readonly list?: {
    readonly status: number;
    readonly body: { readonly webhooks: readonly { readonly id: string }[] };
  };
  readonly unsubscribe?: Readonly<Record<Scheme, number>>;
  readonly device: {
    readonly state: string;
    readonly equipmentStatus: string;
    readonly ownerFingerprint?: string;
    readonly marks: readonly {
      readonly kind: string;
      readonly by: string;
      readonly role: string;
    }[];
  };
}

/** Run the Python client; it prints one JSON object. */
function runClient<T>(args: readonly string[]): T {
  const out = execFileSync(python, [client, ...args], { encoding: "utf8", timeout: 120_000 });
  return JSON.parse(out) as T;
}

let node: DevNode | undefined;
let url = "";
let bobKey = "";

before(async () => {
  assert.ok(
    existsSync(python),
    `the Python venv is missing: ${INSTALL} (the CI script .ci/run does this)`,
  );
  try {
    execFileSync(python, ["-c", "import cryptography, rfc8785"], { stdio: "ignore" });
  } catch {
    assert.fail(`cryptography or rfc8785 is missing from .cache/pytools: ${INSTALL}`);
  }
  // The Python client's webhook receiver listens on loopback, which a node refuses unless listed.
  node = await startDevNode({ webhookAllowedHosts: ["127.0.0.1"] });
  url = `http://127.0.0.1:${node.port}`;
  bobKey = path.join(node.dataDir, "keys", "bob.key");
});

after(() => node?.stop());

/** Bob's last committed nonce, as the node reports it. */
async function lastNonce(): Promise<number> {
  const res = await fetch(`${url}/v1/accounts/${signerFromSeed(BOB_SEED).keyId}`);
  return ((await res.json()) as { lastNonce: number }).lastNonce;
}

test("the Python client computes docs/PROTOCOL.md's worked example, as the ledger's code does", () => {
  const got = runClient<Record<string, string>>(["example"]);
  const signer = signerFromSeed(BOB_SEED);
  const body = {
    chain: "devicechain-dev",
    signer: signer.keyId,
    nonce: 1,
    type: "report.file",
    params: { device: BOBS_PHONE, kind: "stolen" },
  } as const;
  const tx = signTx(signer, body);
  assert.deepEqual(got, {
    seed: toBase64Url(BOB_SEED),
    keyId: signer.keyId,
    canonicalBody: canonicalize(body),
    signingBytes: toHex(signingBytes(body)),
    sig: tx.sig,
    envelope: fromUtf8(encodeTx(tx)),
    hash: txHash(tx),
  });
  const doc = readFileSync(path.join(root, "docs/PROTOCOL.md"), "utf8");
  for (const [name, value] of Object.entries(got)) {
    assert.ok(doc.includes(value), `docs/PROTOCOL.md's example lacks the ${name}`);
  }
});

test("a Python-signed report with a tampered signature is refused with TX_BAD_SIGNATURE, spending nothing", async () => {
  const before = await lastNonce();
  const got = runClient<ReportOutput>([
    "report",
    "--node",
    url,
    "--key",
    bobKey,
    "--device",
    BOBS_PHONE,
    "--tamper",
  ]);
  assert.equal(got.submit.status, ERRORS.TX_BAD_SIGNATURE.http);
  assert.equal(got.submit.body.error?.code, "TX_BAD_SIGNATURE");
  assert.equal(got.submit.nonce, before + 1);
  assert.equal(await lastNonce(), before, "a refused transaction spent its nonce");
  assert.equal(got.device.state, "active");
  assert.equal(got.device.equipmentStatus, "WHITELISTED");
});

test("a Python-signed owner's report commits, its webhook deliveries verify, and the device reads back stolen", async () => {
  const before = await lastNonce();
  const got = runClient<ReportOutput>([
    "report",
    "--node",
    url,
    "--key",
    bobKey,
    "--device",
    BOBS_PHONE,
    "--kind",
    "stolen",
    "--webhook",
  ]);
  assert.equal(got.submit.nonce, before + 1);
  assert.equal(got.submit.status, 200, JSON.stringify(got.submit.body));
  assert.equal(got.submit.body.code, 0);
  assert.equal(await lastNonce(), before + 1);
  assert.equal(
    got.submit.body.hash,
    got.submit.hash,
    "the client's transaction hash is the node's",
  );
  assert.deepEqual(got.submit.body.events?.[0]?.attributes, {
    device: "imei:35693803564380",
    event: "reported_stolen",
    state: "stolen",
    status: "BLACKLISTED",
  });

  for (const scheme of SCHEMES) {
    const subscribed = got.subscribe?.[scheme];
    assert.equal(subscribed?.status, 201, JSON.stringify(subscribed?.body));
    const delivery = got.delivery?.[scheme];
    assert.ok(delivery, `no ${scheme} webhook delivery of the report arrived`);
    assert.equal(delivery.signature, scheme);
    assert.equal(delivery.verified, true, `the ${scheme} delivery does not verify in Python`);
    assert.equal(delivery.verifiedTampered, false);
    assert.equal(delivery.event.type, "device.changed");
    assert.equal(delivery.event.event, "reported_stolen");
    assert.equal(got.unsubscribe?.[scheme], 204);
  }
  assert.equal(got.list?.status, 200);
  assert.deepEqual(
    got.list?.body.webhooks.map((w) => w.id).sort(),
    SCHEMES.map((scheme) => got.subscribe?.[scheme].body.id).sort(),
  );

  assert.equal(got.device.state, "stolen");
  assert.equal(got.device.equipmentStatus, "BLACKLISTED");
  assert.equal(got.device.ownerFingerprint, got.fingerprint);
  assert.deepEqual(
    got.device.marks.map((m) => [m.kind, m.by, m.role]),
    [["stolen", `owner:${got.fingerprint}`, "owner"]],
  );

  // And the node, asked directly: every interface now refuses the phone.
  const eir = await fetch(`${url}/n5g-eir-eic/v1/equipment-status?pei=imei-${BOBS_PHONE}`);
  assert.deepEqual(await eir.json(), { status: "BLACKLISTED" });
});
