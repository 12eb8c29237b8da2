import * as assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { createLogger } from "./logger.js";

/** What one info line looks like through a logger made with these choices. */
function logLine(tty: boolean, json?: boolean): string {
  const destination = new PassThrough();
  const chunks: string[] = [];
  destination.on("data", (c: Buffer) => chunks.push(c.toString()));
  createLogger("info", { tty, destination, ...(json === undefined ? {} : { json }) }).info(
    { port: 8080 },
    "devicechain node listening",
  );
  return chunks.join("");
}

test("a terminal gets readable lines, not JSON", () => {
  const line = logLine(true);
  assert.match(line, /INFO \(devicechain\): devicechain node listening .*"port":8080/);
  assert.throws(() => JSON.parse(line));
});

test("a pipe or file gets one JSON object per line; --json asks for it on a terminal too", () => {
  for (const line of [logLine(false), logLine(true, true)]) {
    const entry = JSON.parse(line);
    assert.equal(entry.msg, "devicechain node listening");
    assert.equal(entry.port, 8080);
    assert.equal(entry.name, "devicechain");
  }
});
