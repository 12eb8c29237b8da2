import { makeError } from "../errors/devicechain-error.js";
import { fromUtf8, utf8 } from "./bytes.js";

/** The JSON values the ledger stores and signs: no floats, so every node encodes alike. */
export type Json =
  | null
  | boolean
  | number
  | string
  | readonly Json[]
  | { readonly [k: string]: Json };
export type JsonObject = { readonly [k: string]: Json };

/**
 * RFC 8785 (JCS) canonical JSON for the ledger's value domain. Numbers must be safe integers:
 * JCS's float formatting is where implementations disagree, and the state machine never needs it.
 * Object keys sort by UTF-16 code units, which is JavaScript's default string order.
 */
export function canonicalize(value: unknown): string {
  checkDepth(value);
  return encode(value);
}

/**
 * The deepest nesting of arrays and objects the ledger accepts. Its own values nest a few levels;
 * a fixed limit, checked without recursion, makes every node refuse the same inputs whatever its
 * stack size (a stack overflow would otherwise decide, differently per machine).
 */
export const MAX_JSON_DEPTH = 32;

function checkDepth(root: unknown): void {
  const stack: [unknown, number][] = [[root, 0]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [value, depth] = item;
    if (typeof value !== "object" || value === null) continue;
    if (depth >= MAX_JSON_DEPTH) {
      throw makeError("TX_MALFORMED", `JSON nests deeper than ${MAX_JSON_DEPTH} levels`);
    }
    for (const child of Array.isArray(value) ? value : Object.values(value)) {
      if (typeof child === "object" && child !== null) stack.push([child, depth + 1]);
    }
  }
}

function encode(value: unknown): string {
  switch (typeof value) {
    case "string":
      return quote(value);
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isSafeInteger(value)) {
        throw makeError("TX_MALFORMED", `Only safe integers are allowed, not ${value}`);
      }
      return Object.is(value, -0) ? "0" : String(value);
    case "object": {
      if (value === null) return "null";
      if (Array.isArray(value)) {
        let out = "[";
        for (let i = 0; i < value.length; i++) out += (i === 0 ? "" : ",") + encode(value[i]);
        return `${out}]`;
      }
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).sort();
      let out = "{";
      let first = true;
      for (const k of keys) {
        const v = obj[k];
        if (v === undefined) continue;
        out += `${first ? "" : ","}${quote(k)}:${encode(v)}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      throw makeError("TX_MALFORMED", `A ${typeof value} cannot be encoded`);
  }
}

/** A JSON string literal; a lone surrogate has no UTF-8 form, so JCS makes it an error. */
function quote(s: string): string {
  // String#isWellFormed (Node 20) is false exactly when the string holds a lone surrogate.
  if (!(s as unknown as { isWellFormed(): boolean }).isWellFormed()) {
    throw makeError("TX_MALFORMED", "A string holds a lone surrogate");
  }
  return JSON.stringify(s);
}

/** Canonical UTF-8 bytes of a value. */
export function canonicalBytes(value: unknown): Uint8Array {
  return utf8(canonicalize(value));
}

/** Parse JSON bytes, failing with TX_MALFORMED (cause kept) on bad UTF-8 or bad JSON. */
export function parseJsonBytes(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(fromUtf8(bytes));
  } catch (cause) {
    throw makeError("TX_MALFORMED", "The bytes are not UTF-8 JSON", { cause });
  }
}
