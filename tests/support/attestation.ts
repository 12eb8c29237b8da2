/**
 * Real X.509 chains for attestation tests, made by the openssl CLI (node:crypto reads
 * certificates but cannot issue them). `openssl ca` rather than `req -x509`, because OpenSSL 3.0
 * can set explicit validity dates only there, and the test chains' block time is in 2026.
 * The CLI must be installed (.ci/run does: apt-get install openssl); without it each use fails
 * with that instruction rather than an ENOENT.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { generateKeyPairSync, type KeyObject, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestCert {
  readonly pem: string;
  /** The certificate's DER in base64: what root.add takes. */
  readonly der: string;
  /** The certificate's private key (PEM), to issue with or to sign as the device. */
  readonly keyPem: string;
  readonly privateKey: KeyObject;
}

export interface IssueOptions {
  /** The subject, e.g. "/CN=Phone/serialNumber=490154203237518". */
  readonly subject: string;
  readonly issuer?: TestCert;
  readonly ca?: boolean;
  readonly keyType?: "p256" | "ed25519";
  /** Validity, as openssl's YYYYMMDDHHMMSSZ. */
  readonly from?: string;
  readonly to?: string;
}

const CONFIG = (dir: string) => `
[ ca ]
default_ca = CA_default
[ CA_default ]
dir = ${dir}
database = ${dir}/index.txt
new_certs_dir = ${dir}
serial = ${dir}/serial
default_md = sha256
policy = policy_any
unique_subject = no
[ policy_any ]
commonName = optional
serialNumber = optional
organizationName = optional
[ v3_ca ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign
[ v3_leaf ]
basicConstraints = critical,CA:FALSE
`;

let opensslFound = false;
/** Fail with how to install it if the openssl CLI is missing (checked once per process). */
export function requireOpenssl(): void {
  if (opensslFound) return;
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore", timeout: 10_000 });
  } catch {
    assert.fail("openssl is required: apt-get install openssl (the CI script .ci/run does this)");
  }
  opensslFound = true;
}

/** Issue one certificate (self-signed if no issuer) with a fresh key. */
export function issueCert(o: IssueOptions): TestCert {
  requireOpenssl();
  const dir = mkdtempSync(join(tmpdir(), "dc-x509-"));
  try {
    const { privateKey } =
      o.keyType === "ed25519"
        ? generateKeyPairSync("ed25519")
        : generateKeyPairSync("ec", { namedCurve: "P-256" });
    const keyPem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    writeFileSync(join(dir, "key.pem"), keyPem);
    writeFileSync(join(dir, "index.txt"), "");
    writeFileSync(join(dir, "serial"), "01\n");
    writeFileSync(join(dir, "ca.cnf"), CONFIG(dir));
    const run = (args: string[]) =>
      execFileSync("openssl", args, { cwd: dir, stdio: "pipe", timeout: 10_000 });
    run(["req", "-new", "-key", "key.pem", "-subj", o.subject, "-out", "req.csr"]);
    if (o.issuer) {
      writeFileSync(join(dir, "issuer.pem"), o.issuer.pem);
      writeFileSync(join(dir, "issuer.key"), o.issuer.keyPem);
    }
    const signing = o.issuer
      ? ["-cert", "issuer.pem", "-keyfile", "issuer.key"]
      : ["-selfsign", "-keyfile", "key.pem"];
    run([
      "ca",
      "-batch",
      "-notext",
      "-config",
      "ca.cnf",
      ...signing,
      "-in",
      "req.csr",
      "-out",
      "cert.pem",
      "-startdate",
      o.from ?? "20000101000000Z",
      "-enddate",
      o.to ?? "20991231000000Z",
      "-extensions",
      o.ca === false || (o.ca === undefined && o.issuer) ? "v3_leaf" : "v3_ca",
    ]);
    const pem = readFileSync(join(dir, "cert.pem"), "utf8");
    const der = Buffer.from(new X509Certificate(pem).raw).toString("base64");
    return { pem, der, keyPem, privateKey };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
