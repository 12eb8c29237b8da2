/**
 * `npm run bench -- bft`: a real 4-validator consortium on loopback (4 cometbft and 4
 * devicechain processes), with the LAN consensus timeouts `net init` writes.
 * - propagation_p50_s / _p99_s: a stolen report submitted to one node (in turn), until all 4
 *   nodes' N5g-eir equipment-status answer BLACKLISTED, one report at a time.
 * - bft_tx_per_s: committed transactions per second over REST, from 400 owners who each offer
 *   and cancel transfers of their phone back to back (one transaction in flight per owner, so
 *   nonces never race); the median of 3 rounds.
 */

import { generateSeed } from "../src/clients/sdk/key-file.js";
import type { Signer } from "../src/core/crypto/ed25519.js";
import { signerFromSeed } from "../src/core/crypto/ed25519.js";
import type { JsonObject } from "../src/core/encoding/canonical-json.js";
import { luhnCheckDigit } from "../src/core/identifiers/luhn.js";
import type { TxType } from "../src/core/tx/tx-type.js";
import { getJson, postTx, signedTx, startTestNet, type TestNet } from "../tests/bft/test-net.js";
import type { Emit } from "./run.js";
import { median, progress } from "./stats.js";

const OWNERS = 400;
const REPORTS = 200;
const ROUND_S = 10;
const imei = (i: number): string => {
  const d14 = `35000000${String(i).padStart(6, "0")}`;
  return d14 + String(luhnCheckDigit(d14));
};

function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

async function must(
  net: TestNet,
  node: number,
  signer: Signer,
  nonce: number,
  type: TxType,
  params: JsonObject,
): Promise<void> {
  const r = await postTx(net.url(node), signedTx(net.chainId, signer, nonce, type, params), 60_000);
  if (r.status !== 200) throw new Error(`${type} failed: ${JSON.stringify(r.body)}`);
}

async function nextNonce(net: TestNet, signer: Signer): Promise<number> {
  return (await getJson(`${net.url(0)}/v1/accounts/${signer.keyId}`)).body.nextNonce as number;
}

/** The maker sells device i to owner i. One signer, many in flight: retry what lost the nonce race. */
async function sellAll(net: TestNet, maker: Signer, owners: readonly Signer[]): Promise<void> {
  let pending = owners.map((o, i) => ({ owner: o, device: imei(i) }));
  for (let round = 0; pending.length > 0; round++) {
    if (round > 20) throw new Error("could not sell the bench phones");
    const base = await nextNonce(net, maker);
    const results = await Promise.all(
      pending.map((p, k) =>
        postTx(
          net.url(0),
          signedTx(net.chainId, maker, base + k, "device.sell", {
            device: p.device,
            owner: p.owner.keyId,
          }),
          60_000,
        ).catch(() => ({ status: 0, body: {} })),
      ),
    );
    const bad = results.find((r) => r.status !== 200);
    if (bad)
      progress(
        `sell round ${round}: ${results.filter((r) => r.status !== 200).length} not sold, e.g. ${JSON.stringify(bad.body).slice(0, 200)}`,
      );
    pending = pending.filter((_, k) => results[k]!.status !== 200);
  }
}

async function propagation(net: TestNet, emit: Emit): Promise<void> {
  const operator = net.key("operator-1");
  let nonce = await nextNonce(net, operator);
  const times: number[] = [];
  for (let i = 0; i < REPORTS; i++) {
    const device = imei(OWNERS + i);
    const node = i % 4;
    const t0 = performance.now();
    const submitted = postTx(
      net.url(node),
      signedTx(net.chainId, operator, nonce++, "report.file", {
        device,
        kind: "stolen",
        reference: `BENCH-${i}`,
      }),
    );
    const blacklisted = new Set<number>();
    while (blacklisted.size < 4) {
      await Promise.all(
        [0, 1, 2, 3]
          .filter((n) => !blacklisted.has(n))
          .map(async (n) => {
            const r = await getJson(
              `${net.url(n)}/n5g-eir-eic/v1/equipment-status?pei=imei-${device}`,
            );
            if (r.body.status === "BLACKLISTED") blacklisted.add(n);
          }),
      );
      if (blacklisted.size < 4) await new Promise((r) => setTimeout(r, 5));
      if (performance.now() - t0 > 30_000)
        throw new Error(`report ${i} not BLACKLISTED everywhere in 30 s`);
    }
    times.push((performance.now() - t0) / 1000);
    const r = await submitted;
    if (r.status !== 200) throw new Error(`report failed: ${JSON.stringify(r.body)}`);
    if ((i + 1) % 50 === 0)
      progress(`propagation: ${i + 1} reports, p50 ${median(times).toFixed(3)} s`);
  }
  emit({
    bench: "bft",
    metric: "propagation_p50_s",
    value: round3(percentile(times, 50)),
    unit: "s",
    reports: times.length,
    validators: 4,
  });
  emit({
    bench: "bft",
    metric: "propagation_p99_s",
    value: round3(percentile(times, 99)),
    unit: "s",
    reports: times.length,
    validators: 4,
  });
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

async function throughput(net: TestNet, owners: readonly Signer[], emit: Emit): Promise<void> {
  const to = signerFromSeed(generateSeed()).keyId;
  const nonces = owners.map(() => 1);
  const offered = owners.map(() => false);
  const rates: number[] = [];
  for (let round = 0; round < 3; round++) {
    let committed = 0;
    let failed = 0;
    const end = performance.now() + ROUND_S * 1000;
    const t0 = performance.now();
    await Promise.all(
      owners.map(async (owner, i) => {
        while (performance.now() < end) {
          const type: TxType = offered[i] ? "transfer.cancel" : "transfer.offer";
          const params: JsonObject = offered[i] ? { device: imei(i) } : { device: imei(i), to };
          const r = await postTx(
            net.url(i % 4),
            signedTx(net.chainId, owner, nonces[i]!, type, params),
            60_000,
          ).catch(() => undefined);
          if (r?.status === 200) {
            committed++;
            nonces[i]!++;
            offered[i] = !offered[i];
          } else {
            failed++;
            nonces[i] = (await nextNonce(net, owner).catch(() => nonces[i]!)) ?? nonces[i]!;
          }
        }
      }),
    );
    const rate = committed / ((performance.now() - t0) / 1000);
    rates.push(rate);
    progress(`throughput round ${round + 1}: ${Math.round(rate)} tx/s (${failed} not committed)`);
  }
  emit({
    bench: "bft",
    metric: "bft_tx_per_s",
    value: Math.round(median(rates)),
    unit: "tx/s",
    rounds: rates.length,
    clients: owners.length,
    validators: 4,
  });
}

export async function runBftBench(emit: Emit): Promise<void> {
  progress("starting a 4-validator network (cometbft v0.38.25)");
  const net = await startTestNet({ validators: 4 });
  try {
    const regulator = net.key("regulator");
    const maker = signerFromSeed(generateSeed());
    await must(net, 0, regulator, 1, "member.admit", {
      id: "maker",
      role: "manufacturer",
      name: "Bench maker",
      key: maker.keyId,
    });
    await must(net, 0, regulator, 2, "tac.allocate", {
      manufacturer: "maker",
      from: "35000000",
      to: "35000000",
    });
    const devices = Array.from({ length: OWNERS + REPORTS }, (_, i) => ({ ids: [imei(i)] }));
    await must(net, 0, maker, 1, "device.register", { devices });
    const owners = Array.from({ length: OWNERS }, () => signerFromSeed(generateSeed()));
    progress(`selling ${OWNERS} phones to their owners`);
    await sellAll(net, maker, owners);
    await propagation(net, emit);
    await throughput(net, owners, emit);
  } finally {
    await net.close();
  }
}
