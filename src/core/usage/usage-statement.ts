/**
 * A node's usage statement for one organisation and one month: its billable calls per day and
 * scope, and the amount due per currency, signed by the node's key. Anyone holding the
 * statement can check it (verifyStatement), and a member can anchor its digest on the ledger
 * (`usage.attest`), so members can audit one another's revenue. Pure: no I/O, no clock.
 */
import { type Signer, verifyEd25519 } from "../crypto/ed25519.js";
import { sha256 } from "../crypto/hash.js";
import { fromBase64Url, toBase64Url, toHex, utf8 } from "../encoding/bytes.js";
import { canonicalize } from "../encoding/canonical-json.js";
import { makeError } from "../errors/devicechain-error.js";
import { dayOf, MONTH } from "./usage-month.js";

/** The billable calls of one day and scope, in one currency. */
export interface UsageLine {
  readonly day: string;
  readonly scope: string;
  readonly currency: string;
  readonly calls: number;
  /** Minor units (cents): the sum of the calls' prices. */
  readonly amount: number;
}

export interface AmountDue {
  readonly currency: string;
  readonly amount: number;
}

export interface UsageStatement {
  readonly version: 1;
  /** statementId(nodeKey, org, month): what the ledger names, without the organisation's name. */
  readonly id: string;
  /** The node key that signs it (base64url key id). */
  readonly nodeKey: string;
  readonly org: string;
  readonly month: string;
  /** Sorted by day, scope, currency; only days with calls. */
  readonly lines: readonly UsageLine[];
  /** Per currency, sorted: the sum of the lines. */
  readonly due: readonly AmountDue[];
}

/** A statement with its detached signature. */
export interface SignedStatement {
  readonly statement: UsageStatement;
  readonly signature: { readonly keyId: string; readonly sig: string };
}

/** One metered call, as a statement counts it. */
export interface MeteredCall {
  readonly time: number;
  readonly scope: string;
  readonly currency: string;
  readonly price: number;
}

const DOMAIN = "devicechain/usage-statement/v1\n";
const ID_DOMAIN = "devicechain/usage-statement-id/v1\n";
const DAY = /^2\d{3}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])$/;
const CURRENCY = /^[A-Z]{3}$/;
const SCOPE = /^[a-z]{1,16}$/;
const ORG = /^[\x21-\x7e](?:[\x20-\x7e]{0,62}[\x21-\x7e])?$/;

/**
 * The statement's id: 32 hex of SHA-256 over (node key, org, month). It names the statement on
 * the ledger without the organisation's name, which stays between the node and its customer.
 */
export function statementId(nodeKey: string, org: string, month: string): string {
  return toHex(sha256(utf8(`${ID_DOMAIN}${canonicalize([nodeKey, org, month])}`))).slice(0, 32);
}

/** The bytes a statement's signature covers: the domain tag, then its RFC 8785 canonical JSON. */
export function statementSigningBytes(statement: UsageStatement): Uint8Array {
  return utf8(DOMAIN + canonicalize(statement));
}

/** SHA-256 (hex) of the signing bytes: what `usage.attest` anchors. */
export function statementDigest(statement: UsageStatement): string {
  return toHex(sha256(statementSigningBytes(statement)));
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Build the statement from the month's metered calls (any order; the result does not depend on it). */
export function buildStatement(
  nodeKey: string,
  org: string,
  month: string,
  calls: Iterable<MeteredCall>,
): UsageStatement {
  const lines = new Map<
    string,
    { day: string; scope: string; currency: string; calls: number; amount: number }
  >();
  for (const c of calls) {
    const day = dayOf(c.time);
    const k = `${day}\n${c.scope}\n${c.currency}`;
    const line = lines.get(k) ?? { day, scope: c.scope, currency: c.currency, calls: 0, amount: 0 };
    line.calls += 1;
    line.amount += c.price;
    lines.set(k, line);
  }
  const sorted = [...lines.values()].sort(
    (a, b) => cmp(a.day, b.day) || cmp(a.scope, b.scope) || cmp(a.currency, b.currency),
  );
  return {
    version: 1,
    id: statementId(nodeKey, org, month),
    nodeKey,
    org,
    month,
    lines: sorted,
    due: dueOf(sorted),
  };
}

function dueOf(lines: readonly UsageLine[]): AmountDue[] {
  const due = new Map<string, number>();
  for (const l of lines) due.set(l.currency, (due.get(l.currency) ?? 0) + l.amount);
  return [...due.entries()]
    .sort((a, b) => cmp(a[0], b[0]))
    .map(([currency, amount]) => ({ currency, amount }));
}

/** Sign a statement with the node's key. */
export function signStatement(signer: Signer, statement: UsageStatement): SignedStatement {
  return {
    statement,
    signature: {
      keyId: signer.keyId,
      sig: toBase64Url(signer.sign(statementSigningBytes(statement))),
    },
  };
}

/**
 * Check a signed statement (parsed JSON); returns it typed. The steps, in order: its shape, its
 * lines in order and its totals their sum, its id (STATEMENT_MALFORMED); signed by the node key
 * it names, and by `trustedNodeKey` when given, and the signature verifies over exactly these
 * fields (STATEMENT_BAD_SIGNATURE).
 */
export function verifyStatement(json: unknown, trustedNodeKey?: string): SignedStatement {
  const signed = decodeSignedStatement(json);
  const { statement, signature } = signed;
  if (signature.keyId !== statement.nodeKey) {
    throw makeError(
      "STATEMENT_BAD_SIGNATURE",
      "The statement is not signed by the node key it names",
    );
  }
  if (trustedNodeKey !== undefined && signature.keyId !== trustedNodeKey) {
    throw makeError(
      "STATEMENT_BAD_SIGNATURE",
      `The statement is signed by ${signature.keyId}, not the trusted key`,
    );
  }
  const sig = fromBase64Url(signature.sig);
  if (!sig || !verifyEd25519(signature.keyId, statementSigningBytes(statement), sig)) {
    throw makeError("STATEMENT_BAD_SIGNATURE");
  }
  return signed;
}

const malformed = (why: string) => makeError("STATEMENT_MALFORMED", `Usage statement: ${why}`);
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const amount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const MAX_LINES = 31 * 16 * 8;

function exactKeys(o: Record<string, unknown>, keys: readonly string[], what: string): void {
  const have = Object.keys(o).sort();
  if (have.length !== keys.length || [...keys].sort().some((k, i) => have[i] !== k)) {
    throw malformed(`${what} has exactly the fields ${keys.join(", ")}`);
  }
}

/** The typed statement from parsed JSON, or STATEMENT_MALFORMED (no signature checked). */
export function decodeSignedStatement(json: unknown): SignedStatement {
  if (!isObject(json)) throw malformed("not an object");
  exactKeys(json, ["statement", "signature"], "a signed statement");
  const s = json.statement;
  const sig = json.signature;
  if (!isObject(sig) || typeof sig.keyId !== "string" || typeof sig.sig !== "string") {
    throw malformed("signature is {keyId, sig}");
  }
  exactKeys(sig, ["keyId", "sig"], "signature");
  if (!isObject(s)) throw malformed("statement is an object");
  exactKeys(s, ["version", "id", "nodeKey", "org", "month", "lines", "due"], "statement");
  if (s.version !== 1) throw malformed("version is 1");
  if (typeof s.nodeKey !== "string" || typeof s.org !== "string" || !ORG.test(s.org)) {
    throw malformed("nodeKey and org are strings");
  }
  if (typeof s.month !== "string" || !MONTH.test(s.month)) throw malformed("month is YYYY-MM");
  if (s.id !== statementId(s.nodeKey, s.org, s.month))
    throw malformed("id is not the statement's id");
  if (!Array.isArray(s.lines) || s.lines.length > MAX_LINES) throw malformed("lines is a list");
  const lines: UsageLine[] = [];
  for (const l of s.lines as unknown[]) {
    if (!isObject(l)) throw malformed("a line is an object");
    exactKeys(l, ["day", "scope", "currency", "calls", "amount"], "a line");
    if (
      typeof l.day !== "string" ||
      !DAY.test(l.day) ||
      !l.day.startsWith(`${s.month}-`) ||
      typeof l.scope !== "string" ||
      !SCOPE.test(l.scope) ||
      typeof l.currency !== "string" ||
      !CURRENCY.test(l.currency) ||
      !amount(l.calls) ||
      (l.calls as number) < 1 ||
      !amount(l.amount)
    ) {
      throw malformed("a line is {day in the month, scope, currency, calls >= 1, amount >= 0}");
    }
    const line = l as unknown as UsageLine;
    const prev = lines[lines.length - 1];
    if (
      prev &&
      (cmp(prev.day, line.day) ||
        cmp(prev.scope, line.scope) ||
        cmp(prev.currency, line.currency)) >= 0
    ) {
      throw malformed("lines are sorted by day, scope and currency, each once");
    }
    lines.push(line);
  }
  if (canonicalize(s.due) !== canonicalize(dueOf(lines))) {
    throw malformed("due is not the sum of the lines per currency");
  }
  return {
    statement: s as unknown as UsageStatement,
    signature: { keyId: sig.keyId, sig: sig.sig },
  };
}
