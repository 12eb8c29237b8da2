/**
 * The S13 EIR against peers we did not write: a client built on scapy's Diameter dictionary
 * (Debian python3-scapy) does CER, then ECR for a stolen, a clean and an unknown device, then DPR;
 * tshark (Debian) captures the exchange on loopback and must decode it without malformed packets
 * or Diameter expert warnings and errors.
 */
import * as assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { type DevNode, requireProgram, root, startDevNode } from "./dev-node.js";

// Debian's scapy is installed for Debian's own interpreter, which a pyenv python3 on PATH would hide.
const PYTHON = "/usr/bin/python3";

interface ScapyRun {
  readonly cea: { command: number; result: number };
  readonly ecr: {
    imei: string;
    hopByHop: number;
    result: number | null;
    equipmentStatus: number | null;
    experimentalResult: number | null;
  }[];
  readonly dpa: number;
}

let node: DevNode | undefined;
let capture: ChildProcess | undefined;
let dir = "";
let pcap = "";
let run: ScapyRun;

before(async () => {
  requireProgram(PYTHON, ["-c", "import scapy.contrib.diameter"], "apt-get install python3-scapy");
  requireProgram("tshark", ["--version"], "apt-get install tshark");
  node = await startDevNode();
  dir = mkdtempSync(path.join(tmpdir(), "dc-s13-"));
  pcap = path.join(dir, "s13.pcap");
  const s13 = node.s13Port;
  capture = spawn("tshark", ["-i", "lo", "-f", `tcp port ${s13}`, "-w", pcap], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  // tshark says "Capturing on 'Loopback: lo'" on stderr once it is ready.
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error("tshark did not start capturing in 20 s")),
      20_000,
    );
    capture?.stderr?.on("data", (d: Buffer) => {
      if (d.toString().includes("Capturing on")) {
        clearTimeout(timer);
        resolve();
      }
    });
    capture?.on("exit", (code) =>
      reject(new Error(`tshark exited with ${code}; capturing needs root or the wireshark group`)),
    );
  });
  const out = execFileSync(
    PYTHON,
    [
      path.join(root, "tests/interop/s13_scapy_client.py"),
      String(s13),
      "490154203237518",
      "356938035643809",
      "49015420323760",
    ],
    { encoding: "utf8", timeout: 30_000 },
  );
  run = JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as ScapyRun;
  await new Promise((r) => setTimeout(r, 500));
  const stopped = new Promise((resolve) => capture?.on("exit", resolve));
  capture.kill("SIGINT");
  await stopped;
});

after(() => {
  capture?.kill("SIGKILL");
  node?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("scapy's CER gets a successful CEA and its DPR a DPA", () => {
  assert.deepEqual(run.cea, { command: 257, result: 2001 });
  assert.equal(run.dpa, 2001);
});

test("scapy's ECRs get BLACKLISTED, WHITELISTED and DIAMETER_ERROR_EQUIPMENT_UNKNOWN", () => {
  const [stolen, clean, unknown] = run.ecr;
  assert.deepEqual([stolen?.result, stolen?.equipmentStatus], [2001, 1]);
  assert.deepEqual([clean?.result, clean?.equipmentStatus], [2001, 0]);
  assert.deepEqual(
    [unknown?.result, unknown?.equipmentStatus, unknown?.experimentalResult],
    [null, null, 5422],
  );
  assert.deepEqual(
    run.ecr.map((e) => e.hopByHop),
    [100, 101, 102],
    "hop-by-hop identifiers are echoed",
  );
});

test("tshark decodes the capture as Diameter with no malformed packets and no expert errors", () => {
  const decode = ["-r", pcap, "-d", `tcp.port==${node?.s13Port},diameter`];
  const summary = execFileSync("tshark", [...decode, "-Y", "diameter"], { encoding: "utf8" });
  assert.match(summary, /Capabilities-Exchange Answer\(257\)/);
  assert.equal((summary.match(/ME-Identity-Check Answer\(324\)/g) ?? []).length, 3, summary);
  const verbose = execFileSync("tshark", [...decode, "-V", "-Y", "diameter"], { encoding: "utf8" });
  assert.doesNotMatch(verbose, /Malformed/i);
  assert.match(verbose, /Equipment-Status: BLACKLISTED \(1\)/);
  const expert = execFileSync("tshark", [...decode, "-q", "-z", "expert"], { encoding: "utf8" });
  assert.doesNotMatch(expert, /^Errors \(/m, expert);
  // TCP may note loopback retransmissions; nothing may be flagged in the Diameter dissector.
  assert.doesNotMatch(expert, /DIAMETER/i, expert);
});
