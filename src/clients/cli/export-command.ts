import { createWriteStream, type WriteStream } from "node:fs";
import type { Command } from "commander";
import { csvField } from "./csv.js";
import { clientFor, type NodeOptions, withNodeOption } from "./node-option.js";
import { ProgressBar } from "./progress-bar.js";
import { run } from "./run-action.js";

const HEADER = ["id", "ids", "state", "equipment_status", "manufacturer", "owner_fingerprint"];

/** `export`: every device as CSV, paged from the node. */
export function exportCommand(program: Command): void {
  withNodeOption(
    program
      .command("export")
      .description(
        "every device as CSV (id, ids, state, equipment_status, manufacturer, owner_fingerprint)",
      )
      .option("--out <file>", "write to a file instead of stdout"),
  ).action(
    run(async (opts: NodeOptions & { out?: string; json: boolean }) => {
      const client = clientFor(opts);
      const out: NodeJS.WritableStream | WriteStream =
        opts.out === undefined ? process.stdout : createWriteStream(opts.out);
      const write = (line: string): Promise<void> =>
        new Promise((resolve, reject) => {
          out.write(`${line}\n`, (e) => (e ? reject(e) : resolve()));
        });
      if (!opts.json) await write(HEADER.join(","));
      const bar = new ProgressBar("exporting", 0, opts.out !== undefined);
      let after: string | undefined;
      let count = 0;
      do {
        const page = await client.devices(after);
        for (const d of page.devices) {
          await write(
            opts.json
              ? JSON.stringify(d)
              : [
                  d.id,
                  d.ids.join(" "),
                  d.state,
                  d.equipmentStatus,
                  d.manufacturer,
                  d.ownerFingerprint ?? "",
                ]
                  .map(csvField)
                  .join(","),
          );
        }
        count += page.devices.length;
        bar.update(count);
        after = page.next;
      } while (after !== undefined);
      if (opts.out !== undefined) {
        await new Promise<void>((resolve) => (out as WriteStream).end(resolve));
        process.stderr.write(`exported ${count} devices to ${opts.out}\n`);
      }
    }),
  );
}
