import * as assert from "node:assert/strict";
import { test } from "node:test";
import { isError } from "../../core/errors/devicechain-error.js";
import { checkTarget, isPublicAddress, normaliseHost, type Resolve } from "./webhook-target.js";

test("loopback, private, link-local, CGNAT, reserved and IPv4-mapped addresses are not public", () => {
  const notPublic = [
    "127.0.0.1",
    "127.255.255.254",
    "0.0.0.0",
    "0.1.2.3",
    "10.0.0.1",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "100.64.0.1",
    "100.127.255.255",
    "169.254.169.254",
    "192.0.0.8",
    "192.0.2.1",
    "198.18.0.1",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "::",
    "::1",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::127.0.0.1",
    "64:ff9b::a00:1",
    "2002:7f00:1::",
    "2001::1",
    "2001:db8::1",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "fec0::1",
    "ff02::1",
    "not an address",
  ];
  for (const a of notPublic) assert.equal(isPublicAddress(a), false, a);
  for (const a of ["8.8.8.8", "1.1.1.1", "100.128.0.1", "172.32.0.1", "2606:4700::1111"]) {
    assert.equal(isPublicAddress(a), true, a);
  }
});

test("hosts are compared as a URL spells them", () => {
  assert.equal(normaliseHost("127.0.0.1"), "127.0.0.1");
  assert.equal(normaliseHost("0x7f.1"), "127.0.0.1");
  assert.equal(normaliseHost("Hooks.Example.COM"), "hooks.example.com");
  assert.equal(normaliseHost("::1"), "::1");
  assert.equal(normaliseHost("[0:0:0:0:0:0:0:1]"), "::1");
  for (const bad of ["", "a b", "host:8080", "user@host", "host/path"]) {
    assert.equal(normaliseHost(bad), undefined, bad);
  }
});

const codeOf = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
    return "accepted";
  } catch (e) {
    return isError(e) ? e.code : String(e);
  }
};

test("a name is checked on every address it resolves to, and the checked address is the one to connect to", async () => {
  const answers = new Map<string, { address: string; family: number }[]>([
    ["public.example", [{ address: "93.184.215.14", family: 4 }]],
    [
      "mixed.example",
      [
        { address: "93.184.215.14", family: 4 },
        { address: "10.0.0.5", family: 4 },
      ],
    ],
    ["metadata.example", [{ address: "169.254.169.254", family: 4 }]],
  ]);
  const resolve: Resolve = async (name) => {
    const a = answers.get(name);
    if (!a) throw new Error("ENOTFOUND");
    return a;
  };
  const none = new Set<string>();
  const ok = await checkTarget(new URL("https://public.example/hook"), none, resolve);
  assert.deepEqual([ok.address, ok.family], ["93.184.215.14", 4]);
  const at = (u: string, allowed = none) => codeOf(checkTarget(new URL(u), allowed, resolve));
  assert.equal(await at("https://mixed.example/"), "WEBHOOK_TARGET_FORBIDDEN");
  assert.equal(await at("http://metadata.example/"), "WEBHOOK_TARGET_FORBIDDEN");
  assert.equal(await at("http://nowhere.example/"), "WEBHOOK_TARGET_UNRESOLVED");
  assert.equal(await at("http://[::ffff:127.0.0.1]:8080/"), "WEBHOOK_TARGET_FORBIDDEN");
  assert.equal(await at("http://2130706433/"), "WEBHOOK_TARGET_FORBIDDEN");
  assert.equal(await at("http://127.0.0.1/", new Set(["127.0.0.1"])), "accepted");
  assert.equal(await at("http://metadata.example/", new Set(["metadata.example"])), "accepted");
  // DNS rebinding: the same name, checked again later, now answers a private address.
  answers.set("public.example", [{ address: "127.0.0.1", family: 4 }]);
  assert.equal(await at("https://public.example/hook"), "WEBHOOK_TARGET_FORBIDDEN");
});
