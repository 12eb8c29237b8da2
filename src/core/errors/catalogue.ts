/**
 * The one catalogue of stable error codes. Each code maps to an ABCI result code (the number a
 * committed transaction carries), an HTTP status, and where they apply a 3GPP ProblemDetails cause
 * and a Diameter result. Servers read these; none writes its own. Codes and numbers never change
 * meaning once released (catalogue.test.ts freezes the numbers); tests assert codes, never messages.
 */
export interface ErrorSpec {
  /** ABCI result code: stable, non-zero, unique. */
  readonly abci: number;
  readonly http: number;
  /** TS 29.500 / TS 29.511 ProblemDetails cause, for the SBI interfaces. */
  readonly cause?: string;
  /** What an S13 answer carries for it (RFC 6733 §7.1, TS 29.272 §7.4), where S13 can meet it. */
  readonly diameter?: DiameterResult;
  readonly message: string;
}

/**
 * A Diameter result: a Result-Code of the base protocol (RFC 6733 §7.1), or, with a vendorId, an
 * Experimental-Result {Vendor-Id, Experimental-Result-Code} (RFC 6733 §7.6).
 */
export interface DiameterResult {
  readonly resultCode: number;
  readonly vendorId?: number;
}

/** 3GPP's Diameter vendor id (TS 29.272), under which its Experimental-Result codes are defined. */
const VENDOR_3GPP = 10415;

const spec = <T extends Record<string, ErrorSpec>>(t: T): T => t;

export const ERRORS = spec({
  // Requests at the edge (HTTP, CLI input).
  REQUEST_MALFORMED_JSON: { abci: 1, http: 400, message: "The request body is not valid JSON." },
  REQUEST_TOO_LARGE: { abci: 2, http: 413, message: "The request body is larger than allowed." },
  REQUEST_BAD_PARAMS: {
    abci: 3,
    http: 400,
    cause: "INVALID_QUERY_PARAM",
    message: "A request parameter is missing or invalid.",
  },
  NOT_FOUND: { abci: 4, http: 404, message: "Nothing is stored under that name." },
  NODE_NOT_READY: { abci: 5, http: 503, message: "The node is not ready." },
  NODE_UNAVAILABLE: { abci: 6, http: 503, message: "The node could not be reached." },
  MEMPOOL_FULL: { abci: 7, http: 503, message: "The mempool is full; retry later." },
  TX_TIMEOUT: { abci: 8, http: 504, message: "The transaction was not committed in time." },
  REQUEST_UNSUPPORTED_MEDIA_TYPE: {
    abci: 9,
    http: 415,
    message: "Send the body as Content-Type: application/json.",
  },

  REQUEST_BAD_URL: {
    abci: 104,
    http: 400,
    message: "The request URL is not validly percent-encoded.",
  },
  REQUEST_URI_TOO_LONG: {
    abci: 105,
    http: 414,
    message: "A path segment of the request URL is longer than allowed.",
  },
  REQUEST_NOT_HTTP: { abci: 106, http: 400, message: "The request is not valid HTTP/1.1." },
  REQUEST_HEADERS_TOO_LARGE: {
    abci: 107,
    http: 431,
    message: "The request line or headers are larger than allowed.",
  },
  REQUEST_TIMEOUT: {
    abci: 108,
    http: 408,
    message: "The request did not arrive within the node's deadline.",
  },
  REQUEST_METHOD_NOT_ALLOWED: {
    abci: 110,
    http: 405,
    cause: "METHOD_NOT_ALLOWED",
    message: "The resource does not answer this method.",
  },
  KEY_FILE_INVALID: {
    abci: 109,
    http: 400,
    message: "The key file cannot be written, or is not a readable devicechain Ed25519 key file.",
  },

  // Transactions: decoding and the verification pipeline.
  TX_MALFORMED: {
    abci: 10,
    http: 400,
    message: "The transaction does not have the expected shape.",
  },
  TX_TOO_LARGE: { abci: 11, http: 413, message: "The transaction is larger than the size limit." },
  TX_BAD_SIGNATURE: { abci: 12, http: 401, message: "The signature does not verify." },
  TX_WRONG_CHAIN: { abci: 13, http: 400, message: "The transaction is for another chain." },
  TX_NONCE_REPLAYED: {
    abci: 14,
    http: 409,
    message: "The nonce is not above the signer's last nonce: replay refused.",
  },
  TX_UNKNOWN_TYPE: { abci: 15, http: 400, message: "The transaction type is not known." },
  TX_BAD_PARAMS: { abci: 16, http: 400, message: "The transaction parameters are invalid." },
  TX_DUPLICATE: { abci: 17, http: 409, message: "This transaction is already known." },
  TX_NONCE_TOO_HIGH: {
    abci: 18,
    http: 409,
    message: "The nonce is too far above the signer's last nonce (at most 16 above).",
  },
  TOO_MANY_PENDING: {
    abci: 19,
    http: 429,
    message: "The signer has too many transactions waiting in the mempool; retry later.",
  },

  // Authorisation.
  ROLE_FORBIDDEN: { abci: 20, http: 403, message: "The signer's role may not do this." },
  MEMBER_UNKNOWN: { abci: 21, http: 404, message: "No member has that id." },
  MEMBER_EXISTS: { abci: 22, http: 409, message: "A member with that id already exists." },
  MEMBER_SUSPENDED: { abci: 23, http: 403, message: "The member is suspended." },
  MEMBER_NOT_SUSPENDED: { abci: 24, http: 409, message: "The member is not suspended." },
  KEY_IN_USE: { abci: 25, http: 409, message: "That public key already belongs to an account." },
  ACCOUNT_UNKNOWN: {
    abci: 27,
    http: 403,
    message:
      "The key is no member's and does not own this device: it may sign only about its own devices, or accept an offer addressed to it.",
  },
  MEMBER_IS_REGULATOR: {
    abci: 26,
    http: 403,
    message: "The last active regulator cannot be suspended.",
  },

  // TACs.
  TAC_NOT_ALLOCATED: {
    abci: 30,
    http: 403,
    message: "The TAC is not allocated to this manufacturer.",
  },
  TAC_ALREADY_ALLOCATED: { abci: 31, http: 409, message: "The TAC is already allocated." },
  TAC_RANGE_INVALID: { abci: 32, http: 400, message: "The TAC range is invalid or too large." },

  // Identifiers (TS 23.003, TS 29.571).
  IDENTIFIER_UNRECOGNISED: {
    abci: 40,
    http: 400,
    cause: "INVALID_QUERY_PARAM",
    message: "The identifier is not in any recognised form.",
  },
  IMEI_BAD_FORMAT: {
    abci: 41,
    http: 400,
    cause: "INVALID_QUERY_PARAM",
    // DIAMETER_INVALID_AVP_VALUE: an IMEI AVP that is not 14 or 15 digits (TS 29.272 §7.3.4).
    diameter: { resultCode: 5004 },
    message: "An IMEI has 14 or 15 digits, an IMEISV 16.",
  },
  IMEI_BAD_CHECK_DIGIT: {
    abci: 42,
    http: 400,
    cause: "INVALID_QUERY_PARAM",
    message: "The IMEI check digit (Luhn) is wrong.",
  },
  PEI_BAD_FORMAT: {
    abci: 43,
    http: 400,
    cause: "INVALID_QUERY_PARAM",
    message: "The PEI is not in a TS 29.571 form.",
  },
  MAC_BAD_FORMAT: {
    abci: 44,
    http: 400,
    cause: "INVALID_QUERY_PARAM",
    message: "A MAC address has 12 hex digits.",
  },
  EUI64_BAD_FORMAT: {
    abci: 45,
    http: 400,
    cause: "INVALID_QUERY_PARAM",
    message: "An EUI-64 has 16 hex digits.",
  },
  EID_BAD_CHECK_DIGITS: {
    abci: 46,
    http: 400,
    cause: "INVALID_QUERY_PARAM",
    message: "The eSIM EID has 32 digits and its check digits (mod 97) must hold.",
  },
  SERIAL_BAD_FORMAT: {
    abci: 47,
    http: 400,
    cause: "INVALID_QUERY_PARAM",
    message: "A serial number is 1-64 characters of A-Z, 0-9 and - . _ /.",
  },

  // Devices.
  DEVICE_UNKNOWN: {
    abci: 50,
    http: 404,
    cause: "ERROR_EQUIPMENT_UNKNOWN",
    // TS 29.272 §7.4.3 DIAMETER_ERROR_EQUIPMENT_UNKNOWN.
    diameter: { resultCode: 5422, vendorId: VENDOR_3GPP },
    message: "No device is registered under that identifier.",
  },
  DEVICE_EXISTS: {
    abci: 51,
    http: 409,
    message: "An identifier is already registered to a device.",
  },
  DEVICE_NOT_OWNER: { abci: 52, http: 403, message: "The signer does not own this device." },
  DEVICE_NOT_TRANSFERABLE: {
    abci: 53,
    http: 409,
    message: "The device is reported, blocked or scrapped and cannot change hands.",
  },
  DEVICE_ALREADY_SOLD: { abci: 54, http: 409, message: "The device already has an owner." },
  DEVICE_NOT_SOLD: { abci: 55, http: 409, message: "The device has no owner yet." },
  DEVICE_SCRAPPED: { abci: 56, http: 409, message: "The device is scrapped." },
  DEVICE_ALREADY_REPORTED: {
    abci: 57,
    http: 409,
    message: "The signer already has a report of this kind on the device.",
  },
  DEVICE_NO_MARK: {
    abci: 58,
    http: 409,
    message: "The signer has no mark on this device to clear.",
  },
  DEVICE_ALREADY_BLOCKED: { abci: 59, http: 409, message: "The device is already blocked." },
  DEVICE_NOT_BLOCKED: { abci: 60, http: 409, message: "The device is not blocked." },
  OFFER_NONE: { abci: 61, http: 409, message: "There is no open transfer offer on this device." },
  OFFER_NOT_FOR_YOU: {
    abci: 62,
    http: 403,
    message: "The transfer offer is addressed to another key.",
  },
  OFFER_EXISTS: { abci: 63, http: 409, message: "A transfer offer is already open." },
  REFERENCE_REQUIRED: {
    abci: 64,
    http: 400,
    message: "This report needs a case or subscriber reference.",
  },
  BULK_TOO_MANY: {
    abci: 65,
    http: 413,
    message: "A bulk registration carries at most 10,000 identifiers.",
  },
  OFFER_CHANGED: {
    abci: 67,
    http: 409,
    message: "The open transfer offer is not the one this transaction names.",
  },
  DEVICE_BAD_STATE: {
    abci: 66,
    http: 409,
    message: "The device is not in a state that allows this.",
  },

  // Clones and IMEI–subscriber pairings (docs/CLONES.md).
  SUBSCRIBER_BAD_FORMAT: {
    abci: 70,
    http: 400,
    cause: "INVALID_QUERY_PARAM",
    message: "The subscriber is not a SUPI, an IMSI or a user name of 1-253 printable characters.",
  },
  CLONE_ALREADY_SUSPECTED: {
    abci: 71,
    http: 409,
    message: "The signer already has an open clone suspicion on this device.",
  },
  CLONE_NOT_SUSPECTED: { abci: 72, http: 409, message: "The device has no open clone suspicion." },
  PAIRING_EXISTS: { abci: 73, http: 409, message: "The device already has this pairing." },
  PAIRING_UNKNOWN: { abci: 74, http: 409, message: "The device has no such pairing." },
  PAIRING_LIMIT: { abci: 75, http: 409, message: "A device has at most 8 pairings." },
  PAIRING_NOT_DELEGATED: {
    abci: 76,
    http: 403,
    message:
      "Only the regulator, or the device's manufacturer once delegated, manages its pairings.",
  },
  DELEGATION_UNCHANGED: {
    abci: 77,
    http: 409,
    message: "The pairing delegation is already in the requested state.",
  },

  // Insurers (insurance.settle) and the ownership check without identity.
  INSURANCE_NOT_STOLEN: {
    abci: 170,
    http: 409,
    message: "The device is not reported stolen: there is no theft claim to settle.",
  },
  INSURANCE_CONSENT_INVALID: {
    abci: 171,
    http: 403,
    message:
      "The owner's consent does not verify for this chain, device, insurer, claim and current owner.",
  },
  INSURANCE_ALREADY_SETTLED: {
    abci: 172,
    http: 409,
    message: "A theft claim on this device is already settled.",
  },
  OWNERSHIP_CHALLENGE_INVALID: {
    abci: 173,
    http: 400,
    message: "The challenge is not exactly 32 bytes in unpadded base64url (43 characters).",
  },
  OWNERSHIP_PROOF_INVALID: {
    abci: 174,
    http: 400,
    message:
      "The ownership proof's signature does not verify for this chain, device and challenge.",
  },

  // Webhooks (push).
  WEBHOOK_NOT_ALLOWED: {
    abci: 100,
    http: 403,
    message: "Only members, and owners of at least one device, may register webhooks.",
  },
  WEBHOOK_LIMIT: {
    abci: 101,
    http: 409,
    message: "The account has as many webhooks as this node allows.",
  },
  WEBHOOK_TARGET_FORBIDDEN: {
    abci: 102,
    http: 403,
    message:
      "The webhook's host is a loopback, private, link-local or reserved address, and not allowed on this node.",
  },
  WEBHOOK_TARGET_UNRESOLVED: {
    abci: 103,
    http: 400,
    message: "The webhook's host name does not resolve.",
  },

  // Watches (push): devices followed by third parties and members.
  WATCH_UNAUTHENTICATED: {
    abci: 200,
    http: 401,
    message: "A watch needs an API key with the watch scope, or a member's signed request.",
  },
  WATCH_NOT_ALLOWED: {
    abci: 201,
    http: 403,
    message: "Only active members, and API keys with the watch scope, may watch devices.",
  },
  WATCH_TOO_MANY_DEVICES: {
    abci: 202,
    http: 400,
    message: "A watch names more devices than allowed.",
  },
  WATCH_LIMIT: {
    abci: 203,
    http: 409,
    message: "The owner has as many watches as this node allows.",
  },
  WATCH_NODE_FULL: {
    abci: 204,
    http: 503,
    message: "This node holds as many watches as it allows.",
  },

  // Ledger and storage.
  VALIDATOR_UNKNOWN: {
    abci: 80,
    http: 404,
    message: "No validator of that member has that consensus key.",
  },
  VALIDATOR_SET_EMPTY: {
    abci: 81,
    http: 409,
    message: "The last validator cannot be removed.",
  },

  LEDGER_CORRUPT: { abci: 90, http: 500, message: "Stored state does not match its commitment." },
  STORAGE_FAILED: { abci: 91, http: 500, message: "The storage layer failed." },
  GENESIS_INVALID: { abci: 92, http: 500, message: "The genesis file is invalid." },
  NODE_LISTEN_FAILED: { abci: 93, http: 500, message: "The node cannot listen on its address." },
  COMETBFT_UNAVAILABLE: {
    abci: 94,
    http: 500,
    message: "The pinned CometBFT binary is missing and cannot be built.",
  },
  // The node's own files: config.json, consensus.json, settings given as options, and the files
  // they name (token, public key). Key files are KEY_FILE_INVALID (109).
  CONFIG_INVALID: { abci: 95, http: 500, message: "The node's configuration is invalid." },
  INTERNAL: {
    abci: 99,
    http: 500,
    cause: "SYSTEM_FAILURE",
    message: "An internal error occurred.",
  },

  // Proofs and signed block headers, as a client (the SDK, a browser) verifies them.
  PROOF_MALFORMED: {
    abci: 120,
    http: 400,
    message: "The proof or block header does not have the expected shape.",
  },
  PROOF_VALUE_MISMATCH: {
    abci: 121,
    http: 400,
    message: "The proof's bucket listing does not hold the claimed value (or absence) of the key.",
  },
  PROOF_ROOT_MISMATCH: {
    abci: 122,
    http: 400,
    message: "The proof does not lead to the expected app hash.",
  },
  HEADER_UNSIGNED: { abci: 123, http: 400, message: "The block header carries no signature." },
  HEADER_BAD_SIGNATURE: {
    abci: 124,
    http: 400,
    message: "The block header's signature does not verify.",
  },
  HEADER_SIGNER_UNTRUSTED: {
    abci: 125,
    http: 400,
    message: "The block header is signed by a key the verifier does not trust.",
  },

  // Check reports (GET/POST /v1/check) and the TAC database they name models from.
  CHECK_BATCH_TOO_LARGE: {
    abci: 160,
    http: 400,
    message: "A bulk check names at most 1,000 identifiers.",
  },
  CHECK_REPORT_MALFORMED: {
    abci: 161,
    http: 400,
    message: "The check report does not have the expected shape.",
  },
  CHECK_REPORT_ID_MISMATCH: {
    abci: 162,
    http: 400,
    message: "The check report's id is not the hash of its contents.",
  },
  CHECK_REPORT_SIGNER_UNTRUSTED: {
    abci: 163,
    http: 400,
    message: "The check report is signed by a key the verifier does not trust.",
  },
  CHECK_REPORT_BAD_SIGNATURE: {
    abci: 164,
    http: 400,
    message: "The check report's signature does not verify.",
  },
  CHECK_PROOF_HEIGHT_MISMATCH: {
    abci: 165,
    http: 500,
    message: "The proof bundle is not of the state (app hash) the check report describes.",
  },
  TAC_DB_INVALID: { abci: 166, http: 500, message: "The TAC database file is invalid." },
  CHECK_REPORT_PROOF_MISMATCH: {
    abci: 167,
    http: 400,
    message: "The check report's claims are not what its proof bundle proves.",
  },
  // Proof bundles (core/proof/verify-bundle.ts), as any client verifies them: 130–149.
  PROOF_UNKNOWN_VERSION: {
    abci: 130,
    http: 400,
    message: "The proof bundle's version is not one this verifier knows.",
  },
  PROOF_WRONG_CHAIN: {
    abci: 131,
    http: 400,
    message: "The bundle, its header and the trust do not name the same chain.",
  },
  PROOF_FORGED_SIGNATURE: {
    abci: 132,
    http: 400,
    message: "A validator's signature in the commit does not verify.",
  },
  PROOF_INSUFFICIENT_SIGNATURES: {
    abci: 133,
    http: 400,
    message: "The commit is signed by no more than 2/3 of the header's validators' voting power.",
  },
  PROOF_UNTRUSTED_VALIDATORS: {
    abci: 134,
    http: 400,
    message:
      "The trusted validators signed no more than 1/3 of their voting power: the new set cannot be trusted.",
  },
  PROOF_TRUST_EXPIRED: {
    abci: 135,
    http: 400,
    message: "The trusted validator set is older than the trusting period.",
  },
  PROOF_HEADER_FROM_FUTURE: {
    abci: 136,
    http: 400,
    message: "The header's time is later than now plus the allowed clock drift.",
  },
  PROOF_APP_HASH_MISMATCH: {
    abci: 137,
    http: 400,
    message: "The signed header does not carry the bundle's app hash.",
  },
  PROOF_HEIGHT_MISMATCH: {
    abci: 138,
    http: 400,
    message: "The signed header is not at the height that commits the bundle's state.",
  },
  PROOF_VALIDATORS_MISMATCH: {
    abci: 139,
    http: 400,
    message: "The bundle's validator set is not the one the header names.",
  },
  PROOF_COMMIT_MISMATCH: {
    abci: 140,
    http: 400,
    message: "The commit is not for this header (its height, block id or number of votes).",
  },
  PROOF_DUPLICATE_VALIDATOR: {
    abci: 141,
    http: 400,
    message: "A validator is listed or votes twice.",
  },
  PROOF_UNKNOWN_VALIDATOR: {
    abci: 142,
    http: 400,
    message: "A vote names a validator that is not at its place in the set.",
  },
  PROOF_HEADER_BEFORE_TRUST: {
    abci: 143,
    http: 400,
    message: "The header comes before the trusted height or time.",
  },
  TRUST_INVALID: {
    abci: 144,
    http: 400,
    message: "The trust file is not a genesis or checkpoint this verifier can use.",
  },
  // Paid access (servers/access, docs/PROTOCOL.md "Paid access") and usage statements.
  ACCESS_KEY_REQUIRED: {
    abci: 180,
    http: 401,
    message: "This route needs an API key: Authorization: Bearer <key>, or X-Api-Key.",
  },
  ACCESS_KEY_INVALID: { abci: 181, http: 401, message: "The API key is not valid on this node." },
  ACCESS_KEY_REVOKED: { abci: 182, http: 401, message: "The API key has been revoked." },
  ACCESS_SCOPE_FORBIDDEN: {
    abci: 183,
    http: 403,
    message: "The API key does not have the scope this route needs.",
  },
  ACCESS_RATE_LIMITED: {
    abci: 184,
    http: 429,
    message: "Too many requests for this key or address; retry after Retry-After seconds.",
  },
  ACCESS_QUOTA_EXCEEDED: {
    abci: 185,
    http: 402,
    message: "The key's monthly quota for this scope is used up.",
  },
  ACCESS_METERING_FAILED: {
    abci: 186,
    http: 503,
    message: "The call could not be metered, so its answer was not sent; retry later.",
  },
  ACCESS_PLAN_UNKNOWN: {
    abci: 187,
    http: 403,
    message: "The plan is not offered by this node's configuration.",
  },
  ACCESS_REQUEST_ID_INVALID: {
    abci: 188,
    http: 400,
    message: "Idempotency-Key or X-Request-Id is 1-128 characters of A-Z a-z 0-9 - _ . : /.",
  },
  ACCESS_REQUEST_ID_REUSED: {
    abci: 193,
    http: 409,
    message:
      "The request id was used for another call, or more than 24 hours ago; a retry repeats the same method, URL and body within 24 hours.",
  },
  STATEMENT_MALFORMED: {
    abci: 189,
    http: 400,
    message: "The usage statement does not have the expected shape.",
  },
  STATEMENT_BAD_SIGNATURE: {
    abci: 190,
    http: 400,
    message: "The usage statement's signature does not verify.",
  },
  USAGE_ALREADY_ATTESTED: {
    abci: 191,
    http: 409,
    message: "The member has already attested this statement.",
  },
  USAGE_MONTH_OPEN: {
    abci: 192,
    http: 409,
    message: "A month's usage can be attested only once the month has ended (by block time).",
  },
  // Proof bundles as the node serves them (GET /v1/devices/{id}/proof).
  PROOF_HEIGHT_UNAVAILABLE: {
    abci: 150,
    http: 409,
    message: "The node cannot prove that height; the error's data names the height it can prove.",
  },
  PROOF_UNAVAILABLE: {
    abci: 151,
    http: 503,
    message: "No signed header commits the node's state yet; retry shortly.",
  },
  PROOF_SOURCE_MISMATCH: {
    abci: 152,
    http: 500,
    message: "The consensus header does not carry the app hash of the node's state.",
  },
  // Device keys and attestation (issue 14): 210-229.
  DEVICE_KEY_INVALID: {
    abci: 210,
    http: 400,
    message:
      "A device key is an Ed25519 key id (or ed25519:<key id>) or p256:<base64url SEC1 point on P-256>.",
  },
  DEVICE_KEY_UNCHANGED: {
    abci: 211,
    http: 409,
    message: "The device already holds that key.",
  },
  ATTESTATION_ROOT_INVALID: {
    abci: 212,
    http: 400,
    message:
      "An attestation root is a certificate's DER in padded base64, at most 6144 bytes (8192 characters).",
  },
  ATTESTATION_ROOT_EXISTS: {
    abci: 213,
    http: 409,
    message: "The manufacturer has already registered that attestation root.",
  },
  ATTESTATION_ROOT_LIMIT: {
    abci: 214,
    http: 409,
    message: "The manufacturer holds the most attestation roots allowed (8); remove one first.",
  },
  ATTESTATION_ROOT_UNKNOWN: {
    abci: 215,
    http: 404,
    message: "The manufacturer has no attestation root with that SHA-256.",
  },
  ATTESTATION_CHAIN_INVALID: {
    abci: 216,
    http: 400,
    message:
      "The certificate chain is malformed, too long, out of its validity, or a certificate is not issued and signed by the next.",
  },
  ATTESTATION_CHAIN_UNTRUSTED: {
    abci: 217,
    http: 403,
    message:
      "The certificate chain does not lead to an attestation root of the device's manufacturer that is a CA certificate valid now.",
  },
  ATTESTATION_CHAIN_WRONG_DEVICE: {
    abci: 218,
    http: 403,
    message: "The leaf certificate's subject serialNumber does not name this device.",
  },
  DEVICE_NO_KEY: {
    abci: 219,
    http: 409,
    message: "The device has no key on the ledger; it may present a certificate chain instead.",
  },
  ATTESTATION_BAD_SIGNATURE: {
    abci: 220,
    http: 403,
    message: "The signature is not the device key's over this challenge: not the genuine device.",
  },
  ATTESTATION_PURPOSE_INVALID: {
    abci: 221,
    http: 400,
    message: "An attestation's purpose is 1-32 characters of a-z 0-9 . _ -.",
  },
  CHALLENGE_UNKNOWN: {
    abci: 222,
    http: 404,
    message: "This node issued no such challenge for this device and purpose (or forgot it).",
  },
  CHALLENGE_EXPIRED: {
    abci: 223,
    http: 410,
    message: "The challenge is older than 60 seconds; ask for a new one.",
  },
  CHALLENGE_STORE_FULL: {
    abci: 224,
    http: 503,
    message: "The node holds as many open challenges as it allows; retry shortly.",
  },
  CHALLENGE_USED: {
    abci: 225,
    http: 409,
    message: "The challenge has been answered already; each is single-use.",
  },
});

export type ErrorCode = keyof typeof ERRORS;

const byAbci = new Map<number, ErrorCode>(
  (Object.keys(ERRORS) as ErrorCode[]).map((code) => [ERRORS[code].abci, code]),
);

/** The code name for an ABCI result code, or INTERNAL for an unknown number. */
export function codeFromAbci(abci: number): ErrorCode {
  return byAbci.get(abci) ?? "INTERNAL";
}

/** True if `name` is a code in the catalogue. */
export function isErrorCode(name: string): name is ErrorCode {
  return Object.hasOwn(ERRORS, name);
}
