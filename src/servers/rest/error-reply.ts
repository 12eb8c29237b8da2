import { ERRORS, type ErrorCode } from "../../core/errors/catalogue.js";
import { type DevicechainError, isError, makeError } from "../../core/errors/devicechain-error.js";

/** The body of every REST error: a stable code, a sentence, and machine-readable facts. */
export interface ErrorBody {
  readonly error: {
    readonly code: ErrorCode;
    readonly message: string;
    readonly data?: Readonly<Record<string, unknown>>;
  };
}

export function errorBody(e: DevicechainError): ErrorBody {
  return {
    error: { code: e.code, message: e.message, ...(e.data === undefined ? {} : { data: e.data }) },
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
  if (f.statusCode === 404) return makeError("NOT_FOUND", undefined, { cause: e });
  // Any other request error fastify raised is the client's, not ours.
  if (f.code?.startsWith("FST_") && f.statusCode !== undefined && f.statusCode < 500) {
    return makeError("REQUEST_BAD_PARAMS", f.message ?? ERRORS.REQUEST_BAD_PARAMS.message, {
      cause: e,
    });
  }
  return makeError("INTERNAL", undefined, { cause: e });
}
