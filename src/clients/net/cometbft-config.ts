/**
 * Edits CometBFT's config.toml in place, key by key within a section, keeping its comments.
 * CometBFT writes every key when it initialises a home, so a key we set is always there to set;
 * a missing one is an error (a typo, or another CometBFT version).
 */
export function patchToml(
  text: string,
  settings: Readonly<Record<string, Readonly<Record<string, string | number | boolean>>>>,
): string {
  const lines = text.split("\n");
  const done = new Set<string>();
  let section = "";
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const header = /^\[([A-Za-z0-9_.-]+)\]\s*$/.exec(line);
    if (header) {
      section = header[1]!;
      continue;
    }
    const kv = /^([A-Za-z0-9_]+)\s*=/.exec(line);
    if (!kv) continue;
    const value = settings[section]?.[kv[1]!];
    if (value === undefined) continue;
    lines[i] = `${kv[1]} = ${tomlValue(value)}`;
    done.add(`${section}.${kv[1]}`);
  }
  for (const [s, kvs] of Object.entries(settings)) {
    for (const k of Object.keys(kvs)) {
      if (!done.has(`${s}.${k}`)) throw new Error(`config.toml has no ${s ? `[${s}] ` : ""}${k}`);
    }
  }
  return lines.join("\n");
}

function tomlValue(v: string | number | boolean): string {
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

/**
 * Consensus timeouts for a consortium on loopback or a LAN (round trips well under 10 ms).
 * CometBFT's defaults (3 s propose, 1 s votes, 1 s commit) are sized for public networks
 * across continents. Here:
 * - timeout_commit 150 ms sets the block rhythm: a stolen report waits at most that long for
 *   the next proposal, and 150 ms still lets late precommits in and batches a few hundred
 *   transactions per block under load.
 * - timeout_propose 1 s (+200 ms per round): a proposer that is down costs one second, then the
 *   next validator proposes. Far above a LAN's latency plus our block execution (tens of ms),
 *   so a live proposer is never skipped by mistake.
 * - prevote and precommit 500 ms (+200 ms per round): only run when votes are split or missing.
 * - peer_gossip_sleep 10 ms instead of 100 ms: on a LAN the gossip loop may poll more often,
 *   which takes about 100 ms off every block.
 * - an empty block at most every 5 s when idle, so heights (and liveness) stay visible without
 *   writing a block to disk every 150 ms.
 * Members across continents should raise timeout_propose and the vote timeouts (DEPLOYMENT.md).
 */
export const LAN_CONSENSUS = {
  timeout_propose: "1s",
  timeout_propose_delta: "200ms",
  timeout_prevote: "500ms",
  timeout_prevote_delta: "200ms",
  timeout_precommit: "500ms",
  timeout_precommit_delta: "200ms",
  timeout_commit: "150ms",
  create_empty_blocks: true,
  create_empty_blocks_interval: "5s",
  peer_gossip_sleep_duration: "10ms",
} as const;
