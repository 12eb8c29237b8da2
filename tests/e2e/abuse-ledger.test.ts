/**
 * The abuse suite, ledger part: an attacker with loopback access and fresh keys, over real HTTP,
 * against a real node (LMDB, embedded engine). Each attack must be refused with its code and
 * leave no block, no change of app hash and no growth of the store.
 */
import * as assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { signerFromSeed } from "../../src/core/crypto/ed25519.js";
import { sha256 } from "../../src/core/crypto/hash.js";
import { utf8 } from "../../src/core/encoding/bytes.js";
import { type SignedTx, txHash } from "../../src/core/tx/transaction.js";
import { assertUnharmed, fingerprint } from "../support/abuse.js";
import { codeOf, type E2eNode, e2eSigner, http, post, signed, startE2eNode } from "./e2e-node.js";

const regulator = e2eSigner("regulator");
const acme = e2eSigner("acme");
const shop = e2eSigner("shop");
const alice = e2eSigner("alice");
const bob = e2eSigner("bob");
const PHONE = "490154203237518";
const SPARE = "490154203237526";

describe("abuse: the ledger", () => {
  let n: E2eNode;
  let url: string;
  const nonces = new Map<string, number>();
  const next = (keyId: string): number => {
    const v = (nonces.get(keyId) ?? 0) + 1;
    nonces.set(keyId, v);
    return v;
  };
  const ok = async (tx: SignedTx): Promise<void> => {
    const r = await post(url, tx);
    assert.equal(r.status, 200, JSON.stringify(r.body));
  };
  const refusedCount = async (code: string): Promise<number> => {
    const text = (await http(`${url}/metrics`)).body.text as string;
    const line = text
      .split("\n")
      .find((l) => l.startsWith(`devicechain_mempool_refused_total{code="${code}"}`));
    return line === undefined ? 0 : Number(line.split(" ")[1]);
  };

  before(async () => {
    // A long block wait, so that transactions stay pending long enough to fill a signer's quota.
    n = await startE2eNode({ blockMaxWaitMs: 5, mempoolMaxPerKey: 3 });
    url = n.url;
    for (const [id, role, s] of [
      ["acme", "manufacturer", acme],
      ["shop", "retailer", shop],
    ] as const) {
      await ok(
        signed(regulator, next(regulator.keyId), "member.admit", {
          id,
          role,
          name: id,
          key: s.keyId,
        }),
      );
    }
    await ok(
      signed(regulator, next(regulator.keyId), "tac.allocate", {
        manufacturer: "acme",
        from: "49015420",
        to: "49015420",
      }),
    );
    await ok(
      signed(acme, next(acme.keyId), "device.register", {
        devices: [{ ids: [PHONE] }, { ids: [SPARE] }],
      }),
    );
    await ok(signed(shop, next(shop.keyId), "device.sell", { device: PHONE, owner: alice.keyId }));
    await ok(signed(shop, next(shop.keyId), "device.sell", { device: SPARE, owner: alice.keyId }));
  });
  after(async () => {
    await n.stop();
  });

  test("2,000 fresh keys reporting a phone they do not own add nothing to the ledger", async () => {
    const before = await fingerprint(n);
    const counted = await refusedCount("ACCOUNT_UNKNOWN");
    const spam = Array.from({ length: 2_000 }, (_, i) => {
      const key = signerFromSeed(sha256(utf8(`spammer-${i}`)));
      return signed(key, 1, "report.file", { device: PHONE, kind: "stolen" });
    });
    for (let i = 0; i < spam.length; i += 100) {
      const replies = await Promise.all(spam.slice(i, i + 100).map((tx) => post(url, tx)));
      for (const r of replies) assert.equal(codeOf(r), "ACCOUNT_UNKNOWN");
    }
    assertUnharmed(before, await fingerprint(n));
    assert.equal((await refusedCount("ACCOUNT_UNKNOWN")) - counted, 2_000);
    // Nothing of it was stored: the refusals have no record.
    assert.equal((await http(`${url}/v1/txs/${txHash(spam[0]!)}`)).status, 404);
  });

  test("a refused transaction resubmitted later is refused again, and never stored", async () => {
    // Bob owns nothing and reports Alice's phone: refused, and refused again later.
    const tx = signed(bob, 1, "report.file", { device: PHONE, kind: "lost" });
    const before = await fingerprint(n);
    assert.equal(codeOf(await post(url, tx)), "ACCOUNT_UNKNOWN");
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(codeOf(await post(url, tx)), "ACCOUNT_UNKNOWN");
    assertUnharmed(before, await fingerprint(n));
    // A member's refused transaction too: the shop cannot block a phone.
    const block = signed(shop, next(shop.keyId), "device.block", {
      device: PHONE,
      reason: "fraud",
    });
    assert.equal(codeOf(await post(url, block)), "ROLE_FORBIDDEN");
    assert.equal(codeOf(await post(url, block)), "ROLE_FORBIDDEN");
    nonces.set(shop.keyId, (nonces.get(shop.keyId) ?? 1) - 1);
    assertUnharmed(before, await fingerprint(n));
  });

  test("an acceptance signed for one offer cannot take a later one", async () => {
    const first = signed(alice, next(alice.keyId), "transfer.offer", {
      device: PHONE,
      to: bob.keyId,
    });
    await ok(first);
    // Bob signs his acceptance of the first offer; Alice withdraws it before it arrives.
    const consent = signed(bob, 1, "transfer.accept", { device: PHONE, offer: txHash(first) });
    await ok(
      signed(alice, next(alice.keyId), "transfer.cancel", { device: PHONE, offer: txHash(first) }),
    );
    // No offer is addressed to Bob now, and he holds no account: refused before any signature check.
    assert.equal(codeOf(await post(url, consent)), "ACCOUNT_UNKNOWN");
    // Alice offers again; a third party replays Bob's old consent.
    const second = signed(alice, next(alice.keyId), "transfer.offer", {
      device: PHONE,
      to: bob.keyId,
    });
    await ok(second);
    const before = await fingerprint(n);
    assert.equal(codeOf(await post(url, consent)), "OFFER_CHANGED");
    assertUnharmed(before, await fingerprint(n));
    const device = await http(`${url}/v1/devices/${PHONE}`);
    assert.equal((device.body.offer as { id: string }).id, txHash(second));
    await ok(
      signed(alice, next(alice.keyId), "transfer.cancel", { device: PHONE, offer: txHash(second) }),
    );
  });

  test("a nonce far above the last one is refused, so a key cannot be bricked", async () => {
    const before = await fingerprint(n);
    for (const nonce of [2 ** 53 - 1, (nonces.get(alice.keyId) ?? 0) + 17]) {
      const tx = signed(alice, nonce, "report.file", { device: SPARE, kind: "lost" });
      assert.equal(codeOf(await post(url, tx)), "TX_NONCE_TOO_HIGH");
    }
    assertUnharmed(before, await fingerprint(n));
    // The key still signs with its next nonce.
    await ok(signed(alice, next(alice.keyId), "report.file", { device: SPARE, kind: "lost" }));
    await ok(signed(alice, next(alice.keyId), "report.clear", { device: SPARE }));
  });
});

describe("abuse: one key's share of the mempool", () => {
  let n: E2eNode;
  let url: string;
  /**
   * Submit in this order, each once the one before waits in the mempool (or was answered).
   * Resolves once all of them wait, to the replies, which come when their block commits.
   */
  const inOrder = async (txs: readonly SignedTx[]) => {
    const replies: Promise<Awaited<ReturnType<typeof post>>>[] = [];
    for (const tx of txs) {
      const waiting = Number((await http(`${url}/v1/status`)).body.mempool);
      const reply = post(url, tx);
      replies.push(reply);
      let settled = false;
      void reply.then(() => {
        settled = true;
      });
      while (!settled && Number((await http(`${url}/v1/status`)).body.mempool) <= waiting) {
        await new Promise((r) => setTimeout(r, 2));
      }
    }
    return replies;
  };

  before(async () => {
    // Blocks wait 3 s, so pipelined transactions stay pending together, even on a loaded
    // machine; at most 3 per owner.
    n = await startE2eNode({ blockMaxWaitMs: 3_000, mempoolMaxPerKey: 3 });
    url = n.url;
    const setup = await inOrder([
      signed(regulator, 1, "member.admit", {
        id: "acme",
        role: "manufacturer",
        name: "a",
        key: acme.keyId,
      }),
      signed(regulator, 2, "member.admit", {
        id: "shop",
        role: "retailer",
        name: "s",
        key: shop.keyId,
      }),
      signed(regulator, 3, "tac.allocate", {
        manufacturer: "acme",
        from: "49015420",
        to: "49015420",
      }),
      signed(acme, 1, "device.register", { devices: [{ ids: [PHONE] }] }),
      signed(shop, 1, "device.sell", { device: PHONE, owner: alice.keyId }),
    ]);
    assert.deepEqual(
      (await Promise.all(setup)).map((r) => r.status),
      [200, 200, 200, 200, 200],
      "pipelined setup: each simulated on top of the ones before it",
    );
  });
  after(async () => {
    await n.stop();
  });

  test("an owner's fourth waiting transaction is refused with TOO_MANY_PENDING", async () => {
    const offer1 = signed(alice, 1, "transfer.offer", { device: PHONE, to: bob.keyId });
    const cancel1 = signed(alice, 2, "transfer.cancel", { device: PHONE, offer: txHash(offer1) });
    const offer2 = signed(alice, 3, "transfer.offer", { device: PHONE, to: bob.keyId });
    const cancel2 = signed(alice, 4, "transfer.cancel", { device: PHONE, offer: txHash(offer2) });
    const three = await inOrder([offer1, cancel1, offer2]);
    const fourth = await post(url, cancel2);
    assert.equal(codeOf(fourth), "TOO_MANY_PENDING");
    assert.deepEqual(
      (await Promise.all(three)).map((r) => r.status),
      [200, 200, 200],
    );
    // Once they are committed, the key has room again.
    assert.equal((await post(url, cancel2)).status, 200);
  });
});
