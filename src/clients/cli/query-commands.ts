import type { Command } from "commander";
import type { DeviceInfo } from "../sdk/node-client.js";
import { displayIdentifier } from "./identifier-display.js";
import { clientFor, type NodeOptions, withNodeOption } from "./node-option.js";
import { print } from "./output.js";
import { run } from "./run-action.js";

/** A device as a person reads it: identifiers as written (15-digit IMEIs), not registry keys. */
function renderDevice(d: DeviceInfo): string {
  const lines = [
    `device      ${displayIdentifier(d.id)}`,
    `identifiers ${d.ids.map(displayIdentifier).join(", ")}`,
    `state       ${d.state}`,
    `EIR status  ${d.equipmentStatus}`,
    `maker       ${d.manufacturer}`,
    `owner       ${d.ownerFingerprint ?? "(not sold)"}`,
  ];
  if (d.deviceKey) lines.push(`device key  ${d.deviceKey}`);
  for (const m of d.marks) {
    lines.push(
      `mark        ${m.kind} by ${m.by} (${m.role})${m.reference ? ` ref ${m.reference}` : ""} at height ${m.height}`,
    );
  }
  if (d.block)
    lines.push(
      `blocked     ${d.block.reason}${d.block.reference ? ` ref ${d.block.reference}` : ""}`,
    );
  for (const c of d.suspicions ?? []) {
    lines.push(`suspicion   ${c.rule} by ${c.by} at height ${c.height}, evidence ${c.evidence}`);
  }
  if (d.pairings) lines.push(`pairings    ${d.pairings} (IMEI–subscriber)`);
  if (d.offer) {
    lines.push(`offer       ${d.offer.id}`);
    lines.push(`            to ${d.offer.toFingerprint} since height ${d.offer.height}`);
  }
  return lines.join("\n");
}

/** `status`, `device ID`, `history ID`. */
export function queryCommands(program: Command): void {
  withNodeOption(
    program.command("status").description("chain id, height and app hash of a node"),
  ).action(
    run(async (opts: NodeOptions & { json: boolean }) => {
      const s = await clientFor(opts).status();
      print(opts.json, s, () =>
        [
          `chain    ${s.chainId}${s.dev ? " (DEV MODE)" : ""}`,
          `height   ${s.height}`,
          `app hash ${s.appHash}`,
          `time     ${s.time}`,
          `engine   ${s.engine}, ${s.mempool} in mempool`,
        ].join("\n"),
      );
    }),
  );

  withNodeOption(
    program
      .command("device")
      .description("a device by any identifier: IMEI, IMEISV, PEI, MAC, EUI-64, EID, serial")
      .argument("<id>", "the identifier"),
  ).action(
    run(async (opts: NodeOptions & { json: boolean }, id?: string) => {
      const d = await clientFor(opts).device(id ?? "");
      print(opts.json, d, () => renderDevice(d));
    }),
  );

  withNodeOption(
    program
      .command("history")
      .description("a device's history: height, transaction, kind of actor, event")
      .argument("<id>", "the identifier"),
  ).action(
    run(async (opts: NodeOptions & { json: boolean }, id?: string) => {
      const h = await clientFor(opts).history(id ?? "");
      print(opts.json, h, () =>
        [
          `history of ${displayIdentifier(h.id)}`,
          ...h.history.map(
            (e) =>
              `${String(e.height).padStart(8)}  ${new Date(e.time).toISOString()}  ${e.actor.padEnd(15)}  ${e.event.padEnd(18)}  ${e.tx}`,
          ),
        ].join("\n"),
      );
    }),
  );
}
