/**
 * State key layout. Every entry the app hash commits to lives under one of these prefixes.
 * The registry keys devices by their primary identifier key; further identifiers of the same
 * device (a dual-SIM phone's second IMEI, a MAC) point to it through an alias entry.
 */
export const CHAIN_KEY = "chain";

export const memberKey = (memberId: string): string => `member/${memberId}`;
export const MEMBER_PREFIX = "member/";
/** Which member holds a public key; keys absent here belong to owners. */
export const keyHolderKey = (keyId: string): string => `keyholder/${keyId}`;
/**
 * The last nonce a signing key used. Nonces belong to keys, not accounts: a key that changes
 * account (an owner's key admitted as a member, a member's key after rotation) keeps its
 * nonce, so nothing it ever signed can run again.
 */
export const nonceKey = (keyId: string): string => `nonce/${keyId}`;
export const tacKey = (tac: string): string => `tac/${tac}`;
export const deviceKey = (deviceId: string): string => `device/${deviceId}`;
export const aliasKey = (identifierKey: string): string => `alias/${identifierKey}`;
export const DEVICE_PREFIX = "device/";
/** A manufacturer the regulator lets record and remove pairings on its own devices. */
export const pairingDelegationKey = (memberId: string): string => `delegation/pairing/${memberId}`;
/** A member's attestation of one of its node's usage statements (`usage.attest`). */
export const usageAttestationKey = (memberId: string, statementId: string): string =>
  `usage/${memberId}/${statementId}`;
/** The attestation roots (CA certificates) a manufacturer registered for its devices' chains. */
export const attestationRootsKey = (memberId: string): string => `attestation-roots/${memberId}`;
