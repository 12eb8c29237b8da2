/** The registry's definitions are consistent with one another and with what is derived from them. */
import * as assert from "node:assert/strict";
import { test } from "node:test";
import { MEMBER_ROLES, type Role } from "../state/role.js";
import { isTxType, TX_TYPES } from "../tx/tx-type.js";
import { AUTHORIZATION, roleMaySign } from "./authorization.js";
import { TX_DEFINITIONS, txDefinition } from "./registry.js";

const ROLES: readonly string[] = [...MEMBER_ROLES, "owner"];
/** Flags the CLI adds to every `tx` subcommand (tx-command.ts, node-option.ts) or program-wide. */
const CLI_RESERVED = ["key", "nonce", "node", "json", "help", "version"];

test("each type is defined once, named family.verb, and is what TX_TYPES lists, in order", () => {
  const types = TX_DEFINITIONS.map((d) => d.type);
  assert.deepEqual([...TX_TYPES], types);
  assert.equal(new Set(types).size, types.length);
  for (const d of TX_DEFINITIONS) {
    assert.match(d.type, /^[a-z]+\.[a-z]+$/);
    assert.ok(isTxType(d.type));
    assert.equal(txDefinition(d.type), d);
  }
  assert.equal(isTxType("device.teleport"), false);
});

test("each row names real roles, at least one, and the matrix is the rows", () => {
  for (const d of TX_DEFINITIONS) {
    const roles = Object.keys(d.authorization);
    assert.ok(roles.length > 0, `${d.type} may be signed by nobody`);
    for (const role of roles) assert.ok(ROLES.includes(role), `${d.type}: ${role} is no role`);
    assert.equal(AUTHORIZATION[d.type], d.authorization);
    for (const role of ROLES as Role[]) {
      assert.equal(roleMaySign(d.type, role), d.authorization[role] !== undefined);
    }
  }
});

test("each type has a description and a CLI command of its own, with distinct flags", () => {
  const commands = TX_DEFINITIONS.map((d) => d.cli.command);
  assert.equal(new Set(commands).size, commands.length, "two types share a `tx` command");
  for (const d of TX_DEFINITIONS) {
    assert.match(d.description, /^[A-Z].*\.$/, `${d.type}: one sentence`);
    assert.ok(!d.description.includes("\n") && !d.description.includes("|"), d.type);
    assert.match(d.cli.command, /^[a-z]+(?:-[a-z]+)*$/);
    assert.ok(d.cli.summary.length > 0);
    const flags = d.cli.options.map((o) => o.flag);
    assert.equal(new Set(flags).size, flags.length, `${d.type} repeats a flag`);
    for (const o of d.cli.options) {
      assert.match(o.flag, /^[a-z]+(?:-[a-z]+)*$/);
      assert.ok(!CLI_RESERVED.includes(o.flag), `${d.type}: --${o.flag} is the CLI's own`);
      assert.ok(o.description.length > 0);
    }
  }
});

test("flags become the params the type's parser expects", async () => {
  // No I/O: the values below are key ids and hashes, not files.
  const noIo = {
    readFile: () => assert.fail("no file"),
    readTextFile: () => assert.fail("no file"),
    keyFileId: () => assert.fail("no key file"),
    chainId: () => assert.fail("no node"),
    devicePrimaryKey: () => assert.fail("no node"),
  };
  const key = "A".repeat(43);
  const pubKey = `${"A".repeat(43)}=`;
  const imei = "490154203237518";
  const hash = "a".repeat(64);
  const cases: Record<string, Record<string, string | string[] | true>> = {
    "member.admit": { id: "op", role: "operator", name: "Op", "member-key": key },
    "device.register": { device: [imei], serial: "SN1", "device-key": key },
    "transfer.accept": { device: imei, offer: hash },
    "report.file": { device: imei, kind: "stolen", reference: "CASE-1" },
    "clone.suspect": { device: imei, rule: "imei-multi-subscriber", evidence: hash },
    "pairing.add": { device: imei, hash },
    "pairing.delegate": { manufacturer: "acme", revoke: true },
    "validator.set": { member: "op", "pub-key": pubKey, power: "10" },
  };
  const regulator = { id: "regulator", role: "regulator" as const, keyId: key };
  for (const [type, values] of Object.entries(cases)) {
    assert.ok(isTxType(type));
    const d = txDefinition(type);
    const params = await d.cli.params(values, noIo);
    assert.doesNotThrow(() => d.parse(params, regulator), type);
  }
});
