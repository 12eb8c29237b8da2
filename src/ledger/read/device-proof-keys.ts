import { isError } from "../../core/errors/devicechain-error.js";
import { parseIdentifier } from "../../core/identifiers/identifier.js";
import type { Device } from "../../core/state/device.js";
import { aliasKey, deviceKey } from "../../core/state/keys.js";
import type { LedgerReads } from "./ledger-reads.js";

/** The state keys that prove what an identifier names, and the device they lead to. */
export interface DeviceProofKeys {
  /** The identifier's registry key (its canonical form). */
  readonly identifierKey: string;
  /**
   * By a primary id: its device record. By an alias: the alias entry, then the device record it
   * points to. Unknown: the device record and the alias entry, both proved absent.
   */
  readonly keys: readonly string[];
  readonly device: Device | undefined;
}

/**
 * What to prove for an identifier as a person types it, read synchronously from committed state:
 * call ProofSource.prove with `keys` in the same turn, and the proofs are of the state read here.
 * A malformed identifier is refused with its own code; an unknown one is not an error.
 */
export function deviceProofKeys(reads: LedgerReads, input: string): DeviceProofKeys {
  const identifierKey = parseIdentifier(input, "person").key;
  let device: Device | undefined;
  try {
    device = reads.device(input);
  } catch (e) {
    if (!isError(e, "DEVICE_UNKNOWN")) throw e;
  }
  const keys =
    device === undefined
      ? [deviceKey(identifierKey), aliasKey(identifierKey)]
      : device.id === identifierKey
        ? [deviceKey(identifierKey)]
        : [aliasKey(identifierKey), deviceKey(device.id)];
  return { identifierKey, keys, device };
}
