/**
 * `npm run bench -- [suite...]` prints one JSON object per line:
 * {"bench","metric","value","unit"} plus context fields. Suites: core, eir, radius, buyers, bft (all by default; bft needs Go).
 */
import { runBftBench } from "./bft-bench.js";
import { runBuyersBench } from "./buyers-bench.js";
import { runCoreBench } from "./core-bench.js";
import { runEirBench } from "./eir-bench.js";
import { runRadiusBench } from "./radius-bench.js";

export interface BenchLine {
  readonly bench: string;
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
  readonly [extra: string]: unknown;
}

export type Emit = (line: BenchLine) => void;

const SUITES: Record<string, (emit: Emit) => Promise<void>> = {
  core: runCoreBench,
  bft: runBftBench,
  eir: runEirBench,
  radius: runRadiusBench,
  buyers: runBuyersBench,
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
  const names = wanted.length > 0 ? wanted : Object.keys(SUITES);
  for (const name of names) {
    const suite = SUITES[name];
    if (!suite) {
      console.error(`Unknown bench suite ${name}; known: ${Object.keys(SUITES).join(", ")}`);
      process.exit(2);
    }
    await suite((line) => console.log(JSON.stringify(line)));
  }
}

await main();
