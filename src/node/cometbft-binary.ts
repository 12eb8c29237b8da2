import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { makeError } from "../core/errors/devicechain-error.js";

/** The CometBFT release devicechain runs under; tools/cometbft/go.mod pins the same. */
export const COMETBFT_VERSION = "0.38.25";

/** The repository root: the folder holding tools/cometbft/go.mod above this file. */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, "tools", "cometbft", "go.mod"))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error("Cannot find tools/cometbft/go.mod above the devicechain code");
    dir = up;
  }
}

/** Where the pinned binary is built: an ignored cache folder. DEVICECHAIN_COMETBFT overrides. */
export function cometbftPath(): string {
  return process.env.DEVICECHAIN_COMETBFT ?? path.join(repoRoot(), ".cache", "bin", "cometbft");
}

export const INSTALL_GO_HINT =
  `CometBFT v${COMETBFT_VERSION} is built from tools/cometbft with Go 1.22 or newer, and Go was not found. ` +
  "Install Go (https://go.dev/doc/install; on Debian 13 or Ubuntu 24.04: apt-get install golang-go), " +
  "make sure `go` is on PATH, and run the command again. Or set DEVICECHAIN_COMETBFT to a " +
  `cometbft v${COMETBFT_VERSION} binary.`;

function versionOf(bin: string): string | undefined {
  const r = spawnSync(bin, ["version"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/**
 * The path of a cometbft binary of the pinned version, building it from tools/cometbft with Go
 * when it is missing or of another version. Throws with what to install when Go is absent.
 */
export function ensureCometbft(log: (line: string) => void = () => undefined): string {
  const bin = cometbftPath();
  const have = existsSync(bin) ? versionOf(bin) : undefined;
  if (have === COMETBFT_VERSION) return bin;
  if (process.env.DEVICECHAIN_COMETBFT) {
    throw makeError(
      "COMETBFT_UNAVAILABLE",
      `DEVICECHAIN_COMETBFT=${bin} is ${have ? `version ${have}` : "not a working cometbft"}; v${COMETBFT_VERSION} is required`,
    );
  }
  const go = spawnSync("go", ["version"], { encoding: "utf8" });
  if (go.error || go.status !== 0) throw makeError("COMETBFT_UNAVAILABLE", INSTALL_GO_HINT);
  // Go 1.21 and newer fetch the toolchain go.mod asks for by themselves; older ones cannot.
  const minor = /go1\.(\d+)/.exec(go.stdout)?.[1];
  if (minor !== undefined && Number(minor) < 21) {
    throw makeError(
      "COMETBFT_UNAVAILABLE",
      `${go.stdout.trim()} is too old to build CometBFT v${COMETBFT_VERSION}: install Go 1.22 or newer (https://go.dev/doc/install), or set DEVICECHAIN_COMETBFT to a cometbft v${COMETBFT_VERSION} binary.`,
    );
  }
  const toolDir = path.join(repoRoot(), "tools", "cometbft");
  mkdirSync(path.dirname(bin), { recursive: true });
  // Build to a private name, then rename: concurrent builders (parallel tests) never see half a file.
  const tmp = `${bin}.${process.pid}.tmp`;
  log(
    `building CometBFT v${COMETBFT_VERSION} from tools/cometbft (${go.stdout.trim()}); this takes a minute or two the first time`,
  );
  const r = spawnSync(
    "go",
    ["build", "-trimpath", "-o", tmp, "github.com/cometbft/cometbft/cmd/cometbft"],
    { cwd: toolDir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
  );
  if (r.status !== 0) {
    throw makeError(
      "COMETBFT_UNAVAILABLE",
      `Building CometBFT failed (go build in ${toolDir}):\n${r.stderr}`,
    );
  }
  renameSync(tmp, bin);
  const built = versionOf(bin);
  if (built !== COMETBFT_VERSION) {
    throw makeError(
      "COMETBFT_UNAVAILABLE",
      `The built cometbft reports version ${built}, not ${COMETBFT_VERSION}`,
    );
  }
  return bin;
}
