import * as assert from "node:assert/strict";
import { test } from "node:test";
import { nodeUrl } from "./node-option.js";

test("--node without a scheme means http://, as curl reads it; a scheme is kept", () => {
  assert.equal(nodeUrl("127.0.0.1:18080"), "http://127.0.0.1:18080");
  assert.equal(nodeUrl(" node.example:8080/ "), "http://node.example:8080/");
  assert.equal(nodeUrl("https://node.example"), "https://node.example");
  // Kept as written, so that the client names it in its refusal.
  assert.equal(nodeUrl("tcp://127.0.0.1:26657"), "tcp://127.0.0.1:26657");
});
