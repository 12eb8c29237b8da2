/**
 * Proves that every test stands alone: lists the tests of each compiled test file (by running the
 * file once), then runs each test by itself, as a reader would:
 *
 *   node --test --test-name-pattern "^<its name>$" <file>
 *
 * and fails naming every test that does not pass alone. Usage, after `npm run build`:
 *
 *   node dist/tests/support/run-each.js [file or directory ...]   (default: dist/tests/e2e)
 *
 * A name pattern selects by a test's own name, so two tests of one file with the same name run
 * together; they are expected to pass together. Runs one process at a time: the machine is shared.
 */
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { run } from "node:test";

interface Outcome {
  readonly ok: boolean;
  readonly ms: number;
  readonly output: string;
}

/** The compiled test files under each argument (a file, or a directory searched recursively). */
function testFiles(args: readonly string[]): string[] {
  const found: string[] = [];
  const walk = (p: string): void => {
    if (statSync(p).isDirectory()) {
      for (const entry of readdirSync(p).sort()) walk(path.join(p, entry));
    } else if (p.endsWith(".test.js")) {
      found.push(p);
    }
  };
  for (const a of args) walk(a);
  return found;
}

/** The names of a file's tests (suites left out), each as often as it occurs, from one full run. */
async function testNames(file: string): Promise<{ names: string[]; failed: string[] }> {
  const names: string[] = [];
  const failed: string[] = [];
  const stream = run({ files: [path.resolve(file)] });
  stream.on("test:pass", (d) => {
    if (d.details.type !== "suite") names.push(d.name);
  });
  stream.on("test:fail", (d) => {
    if (d.details.type !== "suite") {
      names.push(d.name);
      failed.push(d.name);
    }
  });
  // Draining the stream runs the file to its end.
  for await (const _ of stream) {
    // events are handled above
  }
  return { names, failed };
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Run one test alone in a fresh process; it passes if every test of that name passed. */
function runAlone(file: string, name: string, expected: number): Promise<Outcome> {
  const started = performance.now();
  const args = [
    "--test",
    "--test-reporter=tap",
    `--test-name-pattern=^${escapeRegExp(name)}$`,
    file,
  ];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (c: Buffer) => {
      output += c.toString("utf8");
    });
    child.stderr.on("data", (c: Buffer) => {
      output += c.toString("utf8");
    });
    child.on("close", (code) => {
      const count = (label: string) =>
        Number(new RegExp(`^# ${label} (\\d+)$`, "m").exec(output)?.[1] ?? Number.NaN);
      const ok = code === 0 && count("fail") === 0 && count("pass") === expected;
      resolve({ ok, ms: performance.now() - started, output });
    });
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const files = testFiles(args.length > 0 ? args : ["dist/tests/e2e"]);
  const alone: string[] = [];
  let passed = 0;
  for (const file of files) {
    const { names, failed } = await testNames(file);
    if (failed.length > 0) {
      console.log(`not ok ${file}: fails in a full run too: ${failed.join("; ")}`);
      alone.push(...failed.map((n) => `${file}: ${n} (fails in a full run)`));
    }
    const counts = new Map<string, number>();
    for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
    for (const [name, expected] of counts) {
      const r = await runAlone(file, name, expected);
      console.log(
        `${r.ok ? "ok    " : "not ok"} ${file} ${JSON.stringify(name)} (${Math.round(r.ms)} ms)`,
      );
      if (r.ok) {
        passed++;
      } else {
        alone.push(`${file}: ${name}`);
        console.log(
          r.output
            .split("\n")
            .filter((l) => /not ok|error|expected|actual|code:/i.test(l))
            .slice(0, 20)
            .map((l) => `    ${l}`)
            .join("\n"),
        );
      }
    }
  }
  console.log(`\n${passed} tests passed alone in ${files.length} files; ${alone.length} did not`);
  for (const a of alone) console.log(`  ${a}`);
  process.exitCode = alone.length === 0 ? 0 : 1;
}

await main();
