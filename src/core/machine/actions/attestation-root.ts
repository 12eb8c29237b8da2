import { sha256 } from "../../crypto/hash.js";
import { fromBase64, toBase64, toHex } from "../../encoding/bytes.js";
import type { JsonObject } from "../../encoding/canonical-json.js";
import { makeError } from "../../errors/devicechain-error.js";
import { readAttestationRoots, writeAttestationRoots } from "../../state/attestation-root.js";
import { onlyKeys } from "../../tx/params.js";
import { flagText } from "../tx-cli.js";
import type { TxContext } from "../tx-context.js";
import { defineTx } from "../tx-definition.js";

/*
 * Why consensus never parses X.509: a certificate parser is a large library (OpenSSL behind
 * node:crypto's X509Certificate) whose answers differ between builds and versions: which DER
 * quirks it tolerates, which extensions it understands, how it reads a date. If root.add asked it
 * anything (is this a CA? is it valid at block time?), two validators with different OpenSSL builds
 * could commit different results and the app hash would fork. So root.add checks only what any
 * implementation decides alike: strict base64, a size bound, the SHA-256 as the root's id, no
 * duplicate, at most MAX_ATTESTATION_ROOTS. Parsing, signatures, CA and validity are checked where
 * a disagreement forks nothing: on the node, at attestation time (core/crypto/attestation-chain.ts,
 * against an explicit now), where a root that does not parse, is not a CA or is expired simply
 * verifies no chain.
 */

/** A manufacturer holds at most this many roots: chains are checked against each. */
export const MAX_ATTESTATION_ROOTS = 8;
/** A root's DER is at most this many bytes (8,192 base64 characters): a device CA is 1-2 KiB. */
export const MAX_ATTESTATION_ROOT_BYTES = 6144;

export interface RootAddParams {
  /** The certificate's DER, as given: consensus does not parse it. */
  readonly der: Uint8Array;
}

export function parseRootAdd(p: JsonObject): RootAddParams {
  onlyKeys(p, ["cert"]);
  const der =
    typeof p.cert === "string" && p.cert.length <= (MAX_ATTESTATION_ROOT_BYTES / 3) * 4
      ? fromBase64(p.cert)
      : undefined;
  if (der === undefined || der.length === 0) {
    throw makeError(
      "ATTESTATION_ROOT_INVALID",
      `cert is a certificate's DER in padded base64, 1-${MAX_ATTESTATION_ROOT_BYTES} bytes`,
    );
  }
  return { der };
}

/**
 * A manufacturer registers a CA certificate its devices' attestation chains may lead to. Only the
 * deterministic checks above: whether it is a CA certificate valid now is asked at attestation.
 */
export function addRoot(ctx: TxContext, p: RootAddParams): void {
  const manufacturer = ctx.signer.id;
  const roots = readAttestationRoots(ctx.state, manufacturer);
  const digest = toHex(sha256(p.der));
  if (roots.some((r) => r.sha256 === digest)) throw makeError("ATTESTATION_ROOT_EXISTS");
  if (roots.length >= MAX_ATTESTATION_ROOTS) throw makeError("ATTESTATION_ROOT_LIMIT");
  const root = { sha256: digest, cert: toBase64(p.der), height: ctx.height };
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

const PEM = /^-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----\s*$/;

/**
 * The CLI's conversion, before signing: a PEM file's base64 body (armor and line breaks removed),
 * or a DER file's bytes in base64. Text only; nothing is parsed.
 */
export function rootFileParam(bytes: Uint8Array): string {
  const text = Buffer.from(bytes).toString("latin1");
  if (!text.includes("-----BEGIN")) return toBase64(bytes);
  const body = PEM.exec(text.trim())?.[1]?.replace(/\s+/g, "");
  if (body === undefined || fromBase64(body) === undefined) {
    throw makeError("ATTESTATION_ROOT_INVALID", "The file holds no single PEM CERTIFICATE");
  }
  return body;
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
    manufacturer: `its own; base64 DER of at most ${MAX_ATTESTATION_ROOT_BYTES} bytes; at most ${MAX_ATTESTATION_ROOTS}`,
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
        description: "the CA certificate, PEM or DER (sent as base64 DER)",
      },
    ],
    params: (v, io) => ({ cert: rootFileParam(io.readFile(flagText(v, "cert"))) }),
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
