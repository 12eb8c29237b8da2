/**
 * A proof bundle: everything a client needs to check, trusting only a genesis or a checkpoint,
 * that state keys held these values at one height. GET /v1/devices/{id}/proof serves one, and
 * every check report carries one. The state proofs and the commitment are taken at one height,
 * atomically: each proof reaches `appHash`, and `commit` shows that app hash agreed.
 *
 * Hashes and keys inside `commit` are as its engine names them (see each kind). The verifier in
 * core (verifyProofBundle) is the only reader: the SDK, the CLI and the browser all call it.
 */
export interface ProofBundleJson {
  /** The wire format's version; a verifier refuses one it does not know. */
  readonly version: 1;
  readonly chainId: string;
  /** The height whose state the proofs are of (after executing block `height`). */
  readonly height: number;
  /** The app hash of that state, hex: every proof in `entries` reaches it. */
  readonly appHash: string;
  /** One state proof per key proved (the device record, and the alias it was asked by, if any). */
  readonly entries: readonly CompactStateProofJson[];
  readonly commit: EmbeddedCommitJson | CometCommitJson;
}

/**
 * A state proof (core/proof/state-proof StateProof) in the bundle's compact form: every hash is
 * base64url without padding (43 characters), a leaf is [keyHash, valueHash]. A bundle must stay
 * under 4 KiB at 10^6 devices, and hex would spend 40% more on the 20-hash path alone.
 */
export interface CompactStateProofJson {
  readonly key: string;
  /** The value under the key, or null to prove that the key holds nothing. */
  readonly value: unknown;
  /** Every leaf of the key's bucket, ascending by key hash. */
  readonly leaves: readonly (readonly [string, string])[];
  /** BUCKET_BITS sibling hashes, bucket first. */
  readonly path: readonly string[];
}

/** The embedded engine: the header of block `height`, signed by the node key that cut it. */
export interface EmbeddedCommitJson {
  readonly engine: "embedded";
  /** The header as GET /v1/blocks/{height} shows it (core/proof/block-header BlockHeader). */
  readonly header: Record<string, unknown>;
  /** core/proof/header-signature HeaderSignature: {keyId, sig}. */
  readonly signature: { readonly keyId: string; readonly sig: string };
}

/**
 * CometBFT: the app hash of state `height` is carried by the header of exactly height + 1 (a
 * later header carrying the same app hash would not show that state `height` had it; the
 * verifier refuses one with PROOF_HEIGHT_MISMATCH), signed by a commit of more than 2/3 of the
 * voting power of the validator set that header names.
 */
export interface CometCommitJson {
  readonly engine: "cometbft";
  /** The signed header (header + commit), in CometBFT's RPC JSON (`/commit` result.signed_header). */
  readonly signedHeader: Record<string, unknown>;
  /**
   * That header's validator set, in CometBFT's order (hash = header.validators_hash), stripped to
   * what is hashed: the Ed25519 key, base64 as CometBFT shows it, and the voting power. Addresses
   * are derived (the first 20 bytes of SHA-256 of the key); proposer priorities are not hashed.
   */
  readonly validators: readonly { readonly pubKey: string; readonly power: number }[];
}

/**
 * What a verifier trusts. A devicechain genesis.json (chain id and its validators) or a
 * checkpoint.json (a later height's validator set the user has checked some other way), or, for
 * the embedded engine, the node keys whose header signatures it accepts.
 */
export interface TrustJson {
  readonly chainId: string;
  /** Height the trusted validator set is for (0 for genesis). */
  readonly height?: number;
  /** Milliseconds since the epoch the trusted header was made at (its trusting period starts there). */
  readonly time?: number;
  /** Ed25519 consensus keys, base64 as CometBFT shows them, with their voting power. */
  readonly validators?: readonly { readonly pubKey: string; readonly power: number }[];
  /** Embedded engine: node key ids (base64url) whose header signatures are trusted. */
  readonly nodeKeys?: readonly string[];
}
