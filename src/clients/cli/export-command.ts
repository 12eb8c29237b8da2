import { createWriteStream, type WriteStream } from "node:fs";
import type { Command } from "commander";
import { csvField } from "../../core/encoding/csv.js";
import { makeError } from "../../core/errors/devicechain-error.js";
import type { DeviceInfo } from "../sdk/node-client.js";
import { displayIdentifier } from "./identifier-display.js";
import { clientFor, type NodeOptions, withNodeOption } from "./node-option.js";
import { print } from "./output.js";
import { ProgressBar } from "./progress-bar.js";
import { run } from "./run-action.js";

const HEADER = ["id", "ids", "state", "equipment_status", "manufacturer", "owner_fingerprint"];

/** A CSV line: identifiers as a person writes them (15-digit IMEIs), as `device` prints them. */
const csvLine = (d: DeviceInfo): string =>
  [
    displayIdentifier(d.id),
    d.ids.map(displayIdentifier).join(" "),
    d.state,
    d.equipmentStatus,
    d.manufacturer,
    d.ownerFingerprint ?? "",
  ]
    .map(csvField)
    .join(",");

/**
 * `export`: every device, paged from the node: CSV, or with --json one device per line as the
 * API's JSON (JSON Lines). With --out the devices go to the file and stdout says what was written.
 */
export function exportCommand(program: Command): void {
  withNodeOption(
    program
      .command("export")
      .description(
        "every device as CSV (id, ids, state, equipment_status, manufacturer, owner_fingerprint), or with --json as JSON Lines",
      )
      .option("--out <file>", "write to a file instead of stdout"),
  ).action(
    run(async (opts: NodeOptions & { out?: string; json: boolean }) => {
      const client = clientFor(opts);
      const file = opts.out;
      const out: NodeJS.WritableStream | WriteStream =
        file === undefined ? process.stdout : await openForWriting(file);
      const write = (line: string): Promise<void> =>
        new Promise((resolve, reject) => {
          out.write(`${line}\n`, (e) => (e ? reject(e) : resolve()));
        });
      if (!opts.json) await write(HEADER.join(","));
      const bar = new ProgressBar("exporting", 0, file !== undefined);
      let after: string | undefined;
      let count = 0;
      do {
        const page = await client.devices(after);
        for (const d of page.devices) await write(opts.json ? JSON.stringify(d) : csvLine(d));
        count += page.devices.length;
        bar.update(count);
        after = page.next;
      } while (after !== undefined);
      if (file === undefined) return;
      await new Promise<void>((resolve) => (out as WriteStream).end(resolve));
      bar.finish();
      const format = opts.json ? "jsonl" : "csv";
      print(
        opts.json,
        { file, devices: count, format },
        () => `exported ${count} devices to ${file} (${format})`,
      );
    }),
  );
}

/** A file stream that has opened, so that a bad path fails before the first page is fetched. */
function openForWriting(file: string): Promise<WriteStream> {
  return new Promise((resolve, reject) => {
    const stream = createWriteStream(file);
    stream.once("open", () => resolve(stream));
    stream.once("error", (cause) =>
      reject(makeError("REQUEST_BAD_PARAMS", `Cannot write ${file}`, { cause })),
    );
  });
}
