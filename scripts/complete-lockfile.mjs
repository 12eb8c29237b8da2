// Adds lockfile entries for platform-specific optional packages that `npm install` left out.
//
// Why: the package registry this project is built against serves only the Linux builds of
// @biomejs/cli-* and @msgpackr-extract/*. `npm install` then writes a lockfile without the
// other platforms' entries, and `npm ci` refuses it as out of sync. Each added entry carries
// the package's os/cpu (and libc), so `npm ci` skips it on other machines' platforms and
// fetches it (by version) where it matches. Run after any `npm install`.
import { readFileSync, writeFileSync } from "node:fs";

const file = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(file, "utf8"));
const packages = lock.packages;
let added = 0;

/** Platform from a package name like cli-darwin-arm64, cli-linux-x64-musl, msgpackr-extract-win32-x64. */
function platformOf(name) {
  const m = /(android|darwin|linux|win32|freebsd)-(arm64|x64|arm|ia32)(?:-(musl))?$/.exec(name);
  return m ? { os: [m[1]], cpu: [m[2]], ...(m[3] ? { libc: [m[3]] } : {}) } : undefined;
}

for (const [path, entry] of Object.entries(packages)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const hoisted = `node_modules/${dep}`;
    if (packages[`${path}/node_modules/${dep}`] || packages[hoisted]) continue;
    const platform = platformOf(dep);
    if (!platform) continue;
    packages[hoisted] = {
      version,
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      ...platform,
    };
    added++;
  }
}
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lockfile: added ${added} platform entries`);
