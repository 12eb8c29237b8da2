import {
  certificateDer,
  certificateText,
  parseCertificate,
  validAt,
} from "../../crypto/attestation-chain.js";
import { sha256 } from "../../crypto/hash.js";
import { toHex } from "../../encoding/bytes.js";
import type { JsonObject } from "../../encoding/canonical-json.js";
import { makeError } from "../../errors/devicechain-error.js";
import { readAttestationRoots, writeAttestationRoots } from "../../state/attestation-root.js";
import { onlyKeys } from "../../tx/params.js";
import { flagText } from "../tx-cli.js";
import type { TxContext } from "../tx-context.js";
import { defineTx } from "../tx-definition.js";

/** A manufacturer holds at most this many roots: chains are checked against each. */
export const MAX_ATTESTATION_ROOTS = 8;

export interface RootAddParams {
  /** The certificate's DER. */
  readonly der: Uint8Array;
}

export function parseRootAdd(p: JsonObject): RootAddParams {
  onlyKeys(p, ["cert"]);
  return { der: certificateDer(p.cert, "ATTESTATION_ROOT_INVALID") };
}

/** A manufacturer registers a CA certificate its devices' attestation chains may lead to. */
export function addRoot(ctx: TxContext, p: RootAddParams): void {
  const cert = parseCertificate(p.der, "ATTESTATION_ROOT_INVALID");
  if (!cert.ca) throw makeError("ATTESTATION_ROOT_INVALID", "Not a CA certificate");
  // Block time, not a clock: every node decides the same.
  if (!validAt(cert, ctx.time)) throw makeError("ATTESTATION_ROOT_INVALID", "Not valid now");
  const manufacturer = ctx.signer.id;
  const roots = readAttestationRoots(ctx.state, manufacturer);
  const digest = toHex(sha256(p.der));
  if (roots.some((r) => r.sha256 === digest)) throw makeError("ATTESTATION_ROOT_EXISTS");
  if (roots.length >= MAX_ATTESTATION_ROOTS) throw makeError("ATTESTATION_ROOT_LIMIT");
  const root = {
    sha256: digest,
    cert: certificateText(p.der),
    subject: cert.subject,
    height: ctx.height,
  };
  writeAttestationRoots(ctx.state, manufacturer, [...roots, root]);
  ctx.events.push({
    type: "member.changed",
    attributes: {
      member: manufacturer,
      event: "attestation_root_added",
      role: "manufacturer",
      root: digest,
    },
  });
}

export function parseRootRemove(p: JsonObject): { readonly sha256: string } {
  onlyKeys(p, ["sha256"]);
  if (typeof p.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(p.sha256)) {
    throw makeError("TX_BAD_PARAMS", "sha256 is 64 lower-case hex digits");
  }
  return { sha256: p.sha256 };
}

/** A manufacturer withdraws a root (a compromised or retired CA): its chains stop proving. */
export function removeRoot(ctx: TxContext, p: { readonly sha256: string }): void {
  const manufacturer = ctx.signer.id;
  const roots = readAttestationRoots(ctx.state, manufacturer);
  if (!roots.some((r) => r.sha256 === p.sha256)) throw makeError("ATTESTATION_ROOT_UNKNOWN");
  writeAttestationRoots(
    ctx.state,
    manufacturer,
    roots.filter((r) => r.sha256 !== p.sha256),
  );
  ctx.events.push({
    type: "member.changed",
    attributes: {
      member: manufacturer,
      event: "attestation_root_removed",
      role: "manufacturer",
      root: p.sha256,
    },
  });
}

export const rootAdd = defineTx({
  type: "root.add",
  description:
    "A manufacturer registers an attestation root (a CA certificate) its devices' chains may lead to.",
  authorization: {
    manufacturer: `its own; a CA valid at block time; at most ${MAX_ATTESTATION_ROOTS}`,
  },
  parse: parseRootAdd,
  apply: addRoot,
  cli: {
    command: "add-attestation-root",
    summary: "manufacturer: register a CA certificate for its devices' attestation chains",
    options: [
      {
        flag: "cert",
        kind: "text",
        arg: "file",
        required: true,
        description: "the CA certificate, PEM or DER",
      },
    ],
    params: (v, io) => {
      const bytes = io.readFile(flagText(v, "cert"));
      const text = Buffer.from(bytes).toString("latin1");
      return { cert: text.includes("-----BEGIN") ? text : Buffer.from(bytes).toString("base64") };
    },
  },
});

export const rootRemove = defineTx({
  type: "root.remove",
  description: "A manufacturer withdraws one of its attestation roots; chains to it stop proving.",
  authorization: { manufacturer: "one of its own roots" },
  parse: parseRootRemove,
  apply: removeRoot,
  cli: {
    command: "remove-attestation-root",
    summary: "manufacturer: withdraw an attestation root by its SHA-256",
    options: [
      {
        flag: "root",
        kind: "text",
        arg: "sha256",
        required: true,
        description: "the root's SHA-256",
      },
    ],
    params: (v) => ({ sha256: flagText(v, "root") }),
  },
});
