import * as assert from "node:assert/strict";
import { test } from "node:test";
import { codeFromAbci, ERRORS, type ErrorCode, isErrorCode } from "./catalogue.js";

/**
 * The ABCI number of every code, frozen. These numbers are on the wire (CometBFT's
 * LastResultsHash commits them) and in every stored block's results: a number may never change
 * or be reused. A new code gets a new line here, with a number no other line has.
 */
const FROZEN: Readonly<Record<string, number>> = {
  REQUEST_MALFORMED_JSON: 1,
  REQUEST_TOO_LARGE: 2,
  REQUEST_BAD_PARAMS: 3,
  NOT_FOUND: 4,
  NODE_NOT_READY: 5,
  NODE_UNAVAILABLE: 6,
  MEMPOOL_FULL: 7,
  TX_TIMEOUT: 8,
  REQUEST_UNSUPPORTED_MEDIA_TYPE: 9,
  REQUEST_BAD_URL: 104,
  REQUEST_URI_TOO_LONG: 105,
  REQUEST_NOT_HTTP: 106,
  REQUEST_HEADERS_TOO_LARGE: 107,
  REQUEST_TIMEOUT: 108,
  REQUEST_METHOD_NOT_ALLOWED: 110,
  KEY_FILE_INVALID: 109,
  TX_MALFORMED: 10,
  TX_TOO_LARGE: 11,
  TX_BAD_SIGNATURE: 12,
  TX_WRONG_CHAIN: 13,
  TX_NONCE_REPLAYED: 14,
  TX_UNKNOWN_TYPE: 15,
  TX_BAD_PARAMS: 16,
  TX_DUPLICATE: 17,
  TX_NONCE_TOO_HIGH: 18,
  TOO_MANY_PENDING: 19,
  ROLE_FORBIDDEN: 20,
  MEMBER_UNKNOWN: 21,
  MEMBER_EXISTS: 22,
  MEMBER_SUSPENDED: 23,
  MEMBER_NOT_SUSPENDED: 24,
  KEY_IN_USE: 25,
  ACCOUNT_UNKNOWN: 27,
  MEMBER_IS_REGULATOR: 26,
  TAC_NOT_ALLOCATED: 30,
  TAC_ALREADY_ALLOCATED: 31,
  TAC_RANGE_INVALID: 32,
  IDENTIFIER_UNRECOGNISED: 40,
  IMEI_BAD_FORMAT: 41,
  IMEI_BAD_CHECK_DIGIT: 42,
  PEI_BAD_FORMAT: 43,
  MAC_BAD_FORMAT: 44,
  EUI64_BAD_FORMAT: 45,
  EID_BAD_CHECK_DIGITS: 46,
  SERIAL_BAD_FORMAT: 47,
  DEVICE_UNKNOWN: 50,
  DEVICE_EXISTS: 51,
  DEVICE_NOT_OWNER: 52,
  DEVICE_NOT_TRANSFERABLE: 53,
  DEVICE_ALREADY_SOLD: 54,
  DEVICE_NOT_SOLD: 55,
  DEVICE_SCRAPPED: 56,
  DEVICE_ALREADY_REPORTED: 57,
  DEVICE_NO_MARK: 58,
  DEVICE_ALREADY_BLOCKED: 59,
  DEVICE_NOT_BLOCKED: 60,
  OFFER_NONE: 61,
  OFFER_NOT_FOR_YOU: 62,
  OFFER_EXISTS: 63,
  REFERENCE_REQUIRED: 64,
  BULK_TOO_MANY: 65,
  OFFER_CHANGED: 67,
  DEVICE_BAD_STATE: 66,
  SUBSCRIBER_BAD_FORMAT: 70,
  CLONE_ALREADY_SUSPECTED: 71,
  CLONE_NOT_SUSPECTED: 72,
  PAIRING_EXISTS: 73,
  PAIRING_UNKNOWN: 74,
  PAIRING_LIMIT: 75,
  PAIRING_NOT_DELEGATED: 76,
  DELEGATION_UNCHANGED: 77,
  WEBHOOK_NOT_ALLOWED: 100,
  WEBHOOK_LIMIT: 101,
  WEBHOOK_TARGET_FORBIDDEN: 102,
  WEBHOOK_TARGET_UNRESOLVED: 103,
  VALIDATOR_UNKNOWN: 80,
  VALIDATOR_SET_EMPTY: 81,
  LEDGER_CORRUPT: 90,
  STORAGE_FAILED: 91,
  GENESIS_INVALID: 92,
  NODE_LISTEN_FAILED: 93,
  COMETBFT_UNAVAILABLE: 94,
  CONFIG_INVALID: 95,
  INTERNAL: 99,
  PROOF_MALFORMED: 120,
  PROOF_VALUE_MISMATCH: 121,
  PROOF_ROOT_MISMATCH: 122,
  HEADER_UNSIGNED: 123,
  HEADER_BAD_SIGNATURE: 124,
  HEADER_SIGNER_UNTRUSTED: 125,
  PROOF_HEIGHT_UNAVAILABLE: 150,
  PROOF_UNAVAILABLE: 151,
  PROOF_COMMIT_MISMATCH: 152,
};

test("every code keeps its ABCI number, and no number is added without a line here", () => {
  const codes = Object.keys(ERRORS) as ErrorCode[];
  for (const code of codes) {
    assert.equal(
      ERRORS[code].abci,
      FROZEN[code],
      `${code}: add it to FROZEN, or restore its number`,
    );
  }
  for (const [code, abci] of Object.entries(FROZEN)) {
    assert.ok(isErrorCode(code), `${code} (ABCI ${abci}) was removed from the catalogue`);
  }
});

test("no two codes share an ABCI number, and none uses 0 (success)", () => {
  const seen = new Map<number, string>();
  for (const [code, abci] of Object.entries(FROZEN)) {
    assert.ok(Number.isSafeInteger(abci) && abci > 0, code);
    assert.equal(seen.get(abci), undefined, `${code} and ${seen.get(abci)} share ${abci}`);
    seen.set(abci, code);
  }
  for (const [code, abci] of Object.entries(FROZEN)) assert.equal(codeFromAbci(abci), code);
});

test("a Diameter result is where S13 meets the code, and a 3GPP cause where the SBI does", () => {
  assert.deepEqual(ERRORS.DEVICE_UNKNOWN.diameter, { resultCode: 5422, vendorId: 10415 });
  assert.equal(ERRORS.DEVICE_UNKNOWN.cause, "ERROR_EQUIPMENT_UNKNOWN");
  assert.equal(ERRORS.INTERNAL.cause, "SYSTEM_FAILURE");
  for (const code of Object.keys(ERRORS) as ErrorCode[]) {
    const spec = ERRORS[code];
    assert.ok(spec.http >= 400 && spec.http < 600, code);
    if ("diameter" in spec) assert.ok(spec.diameter.resultCode >= 3000, code);
  }
});
