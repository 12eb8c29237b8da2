import { readFileSync } from "node:fs";

/** The name in package.json (private, never published), by which the version lookup knows its own file. */
export const PACKAGE_NAME = "@devicechain/node";

/** The package version, read once from package.json (two levels above dist/src/node or src/node). */
export const NODE_VERSION: string = (() => {
  for (const rel of ["../../../package.json", "../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === PACKAGE_NAME && pkg.version) return pkg.version;
    } catch {
      // try the next candidate
    }
  }
  return "0.0.0";
})();
