import { isKeyId } from "../../core/crypto/ed25519.js";
import { makeError } from "../../core/errors/devicechain-error.js";
import { parseIdentifier } from "../../core/identifiers/identifier.js";
import { type Account, resolveAccount } from "../../core/machine/account.js";
import { lastNonce } from "../../core/machine/verify.js";
import { readAttestationRoots } from "../../core/state/attestation-root.js";
import { readChain } from "../../core/state/chain.js";
import { type Device, findDevice } from "../../core/state/device.js";
import { DEVICE_PREFIX, MEMBER_PREFIX } from "../../core/state/keys.js";
import { type Member, memberIdForKey, readMember } from "../../core/state/member.js";
import type { Role } from "../../core/state/role.js";
import type { StateReader } from "../../core/state/state.js";
import { readValidators, type Validator } from "../../core/state/validator-set.js";
import type { CommittedBlock } from "../application.js";
import type { StoredBlock } from "../block.js";
import type { LastCommit, LedgerStore, TxRecord } from "../storage/ledger-store.js";
import { type DeviceChangedEvent, deviceChangedEvents } from "./device-events.js";

/** A height as text: decimal digits, within the safe integers. */
const HEIGHT = /^[0-9]{1,15}$/;

/** The account behind a key, and the nonces a client needs to sign its next transaction. */
export interface AccountInfo {
  readonly keyId: string;
  /** A member id, or "owner:<keyId>". */
  readonly account: string;
  readonly role: Role;
  /** The last nonce this key used in a committed block; 0 if none. */
  readonly lastNonce: number;
  /** The nonce to sign with next: after this key's transactions waiting in this node's mempool. */
  readonly nextNonce: number;
}

/** One page of the registry, in registry-key order. */
export interface DevicePage {
  readonly devices: readonly Device[];
  /** Where the next page starts (the last device's id), when this page is full. */
  readonly next?: string;
}

/**
 * Every read the servers, the CLI (through REST) and ABCI Query make of the ledger, over the
 * committed state (and, for nonces, this node's mempool). Each lookup and its coded error is
 * written here once; no server reads the store itself.
 */
export class LedgerReads {
  constructor(
    private readonly store: LedgerStore,
    /** The committed state plus what this node's mempool admitted: pending nonces. */
    private readonly pending: StateReader,
  ) {}

  /** The chain this ledger holds; "" before its genesis. */
  get chainId(): string {
    return readChain(this.store)?.chainId ?? "";
  }

  /** The last committed block's height, hashes and time. */
  get last(): LastCommit {
    return this.store.last;
  }

  /** A block by height (a number, or its decimal digits), or NOT_FOUND. */
  block(height: number | string): StoredBlock {
    const h =
      typeof height === "number" ? height : HEIGHT.test(height) ? Number(height) : undefined;
    const b = h === undefined ? undefined : this.store.getBlock(h);
    if (!b) throw makeError("NOT_FOUND", `No block at height ${height}`);
    return b;
  }

  latestBlock(): StoredBlock {
    return this.block(this.store.last.height);
  }

  /** Up to `limit` consecutive blocks from `from`, by default the last `limit` ones. */
  blocks(from: number | undefined, limit: number): StoredBlock[] {
    const top = this.store.last.height;
    const start = from ?? Math.max(0, top - limit + 1);
    const blocks: StoredBlock[] = [];
    for (let h = start; h <= top && blocks.length < limit; h++) blocks.push(this.block(h));
    return blocks;
  }

  /** A committed transaction with its block position and result, or NOT_FOUND. */
  tx(hash: string): TxRecord {
    const record = this.store.getTx(hash);
    if (!record) throw makeError("NOT_FOUND", `No committed transaction ${hash}`);
    return record;
  }

  /** The device behind any of its identifiers, as a person types it; DEVICE_UNKNOWN if none. */
  device(input: string): Device {
    const id = parseIdentifier(input, "person");
    const device = findDevice(this.store, id.key);
    if (!device) throw makeError("DEVICE_UNKNOWN", `No device is registered under ${id.display}`);
    return device;
  }

  /** The attestation roots (base64 DER) a manufacturer registered with root.add. */
  attestationRoots(memberId: string): string[] {
    return readAttestationRoots(this.store, memberId).map((r) => r.cert);
  }

  /** Up to `limit` devices in registry-key order, after the registry key `after` if given. */
  devices(after: string | undefined, limit: number): DevicePage {
    const devices: Device[] = [];
    if (limit < 1) return { devices };
    for (const [, value] of this.store.scan(DEVICE_PREFIX, after)) {
      devices.push(value as unknown as Device);
      if (devices.length === limit) break;
    }
    const last = devices.at(-1);
    return { devices, ...(devices.length === limit && last ? { next: last.id } : {}) };
  }

  /** The id of the member holding this key now, if one does. */
  memberIdForKey(keyId: string): string | undefined {
    return memberIdForKey(this.store, keyId);
  }

  /** True if the key owns at least one device now (node-local index, checked against records). */
  ownsAnyDevice(keyId: string): boolean {
    return this.store.ownsAnyDevice(keyId);
  }

  /** Every consortium member, in id order. */
  members(): Member[] {
    const members: Member[] = [];
    for (const [, value] of this.store.scan(MEMBER_PREFIX))
      members.push(value as unknown as Member);
    return members;
  }

  /** A member by id, or MEMBER_UNKNOWN. */
  member(id: string): Member {
    const member = readMember(this.store, id);
    if (!member) throw makeError("MEMBER_UNKNOWN", `No member ${id}`);
    return member;
  }

  /** The account behind a key id (a member's, or an owner's); REQUEST_BAD_PARAMS if not a key id. */
  account(keyId: string): Account {
    if (!isKeyId(keyId)) {
      throw makeError("REQUEST_BAD_PARAMS", "A key id is 43 base64url characters");
    }
    return resolveAccount(this.store, keyId);
  }

  /** The account behind a key id with its last and next nonce. */
  accountInfo(keyId: string): AccountInfo {
    const account = this.account(keyId);
    return {
      keyId,
      account: account.id,
      role: account.role,
      lastNonce: lastNonce(this.store, keyId),
      nextNonce: lastNonce(this.pending, keyId) + 1,
    };
  }

  /** The validator set the ledger has agreed, sorted by key. */
  validators(): readonly Validator[] {
    return readValidators(this.store);
  }

  /** A committed block's device.changed events, each with the device's identifiers. */
  deviceChangedEvents(committed: CommittedBlock): DeviceChangedEvent[] {
    return deviceChangedEvents(committed, this.store);
  }
}
