import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP } from "node:net";
import type { CheckedTarget } from "./webhook-target.js";

/**
 * POST a delivery to the checked address of its target, never to a fresh resolution of the name:
 * the Host header and, over https, the TLS server name and certificate check still use the URL's
 * host. Redirects are not followed. Resolves to the HTTP status; rejects on a network error or
 * when `timeoutMs` passes.
 */
export function postDelivery(
  target: CheckedTarget,
  headers: Readonly<Record<string, string>>,
  body: string,
  timeoutMs: number,
): Promise<number> {
  const { url } = target;
  const https = url.protocol === "https:";
  const hostname = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  const request = https ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.address,
        family: target.family,
        port: url.port === "" ? (https ? 443 : 80) : Number(url.port),
        path: `${url.pathname}${url.search}`,
        method: "POST",
        headers: {
          ...headers,
          host: url.host,
          "content-length": String(Buffer.byteLength(body)),
        },
        ...(https && isIP(hostname) === 0 ? { servername: hostname } : {}),
        agent: false,
        signal: AbortSignal.timeout(timeoutMs),
      },
      (res) => {
        // Only the status counts: the answer's body is never read.
        resolve(res.statusCode ?? 0);
        res.destroy();
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
