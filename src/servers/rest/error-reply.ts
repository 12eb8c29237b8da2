import { ERRORS, type ErrorCode } from "../../core/errors/catalogue.js";
import { type DevicechainError, isError, makeError } from "../../core/errors/devicechain-error.js";
import { excerpt } from "./input-excerpt.js";

/** The body of every REST error: a stable code, a sentence, and machine-readable facts. */
export interface ErrorBody {
  readonly error: {
    readonly code: ErrorCode;
    readonly message: string;
    readonly data?: Readonly<Record<string, unknown>>;
  };
}

/** The longest message a reply carries: longer ones (a library's, say) are cut. */
const MAX_MESSAGE = 512;

export function errorBody(e: DevicechainError): ErrorBody {
  // Messages are ours, and repeat clients' input only as excerpts; this is the net under that.
  const message = excerpt(e.message, MAX_MESSAGE);
  return {
    error: { code: e.code, message, ...(e.data === undefined ? {} : { data: e.data }) },
  };
}

/** Fastify's own request errors, in terms of the catalogue. */
const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: "REQUEST_TOO_LARGE",
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "REQUEST_UNSUPPORTED_MEDIA_TYPE",
  FST_ERR_ROUTE_MISSING_CONTENT_TYPE: "REQUEST_UNSUPPORTED_MEDIA_TYPE",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "REQUEST_MALFORMED_JSON",
  FST_ERR_CTP_EMPTY_JSON_BODY: "REQUEST_MALFORMED_JSON",
  FST_ERR_CTP_INVALID_JSON_BODY: "REQUEST_MALFORMED_JSON",
  FST_ERR_VALIDATION: "REQUEST_BAD_PARAMS",
};

/**
 * Router errors, whose own messages repeat the whole URL: answered with the catalogue's sentence
 * and an excerpt of the URL only.
 */
const ROUTER_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_BAD_URL: "REQUEST_BAD_URL",
  FST_ERR_MAX_PARAM_LENGTH: "REQUEST_URI_TOO_LONG",
};

/** Other libraries' client errors (the static file server's, say), by HTTP status. */
const STATUS_CODES: Readonly<Record<number, ErrorCode>> = {
  // The static file server refuses a path that climbs out of its root with 403: to a client it
  // is simply not there.
  403: "NOT_FOUND",
  404: "NOT_FOUND",
  413: "REQUEST_TOO_LARGE",
  414: "REQUEST_URI_TOO_LONG",
  415: "REQUEST_UNSUPPORTED_MEDIA_TYPE",
};

/** A router error (bad percent-encoding, a path segment too long) as a coded error, or undefined. */
export function routerError(e: unknown, url: string): DevicechainError | undefined {
  const code = ROUTER_CODES[(e as FastifyLikeError | null)?.code ?? ""];
  if (code === undefined) return undefined;
  return makeError(code, `${ERRORS[code].message.slice(0, -1)}: ${excerpt(url)}`, { cause: e });
}

interface FastifyLikeError {
  readonly code?: string;
  readonly statusCode?: number;
  readonly validation?: unknown;
  readonly message?: string;
}

/** Any error a handler or fastify raised, as a coded error; unknown ones become INTERNAL. */
export function toDevicechainError(e: unknown): DevicechainError {
  if (isError(e)) return e;
  const f = (e ?? {}) as FastifyLikeError;
  const mapped = f.code === undefined ? undefined : FASTIFY_CODES[f.code];
  if (mapped) return makeError(mapped, f.message ?? ERRORS[mapped].message, { cause: e });
  if (f.validation !== undefined)
    return makeError("REQUEST_BAD_PARAMS", f.message ?? "", { cause: e });
  // secure-json-parse and JSON.parse raise SyntaxError for a body that is not JSON.
  if (e instanceof SyntaxError || (f.statusCode === 400 && /JSON/i.test(f.message ?? ""))) {
    return makeError("REQUEST_MALFORMED_JSON", undefined, { cause: e });
  }
  const router = f.code === undefined ? undefined : ROUTER_CODES[f.code];
  if (router) return makeError(router, undefined, { cause: e });
  const byStatus = f.statusCode === undefined ? undefined : STATUS_CODES[f.statusCode];
  if (byStatus) return makeError(byStatus, undefined, { cause: e });
  // Any other request error fastify raised is the client's, not ours.
  if (f.code?.startsWith("FST_") && f.statusCode !== undefined && f.statusCode < 500) {
    return makeError("REQUEST_BAD_PARAMS", f.message ?? ERRORS.REQUEST_BAD_PARAMS.message, {
      cause: e,
    });
  }
  // So is any other library's 4xx; its message is not repeated.
  if (f.statusCode !== undefined && f.statusCode >= 400 && f.statusCode < 500) {
    return makeError("REQUEST_BAD_PARAMS", undefined, { cause: e });
  }
  return makeError("INTERNAL", undefined, { cause: e });
}
