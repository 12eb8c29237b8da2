import { ERRORS, type ErrorCode } from "./catalogue.js";

/** Extra machine-readable facts about a failure, e.g. which bulk rows were refused. */
export type ErrorData = Readonly<Record<string, unknown>>;

/** An error that carries a stable code from the catalogue, optional data and a cause chain. */
export class DevicechainError extends Error {
  readonly code: ErrorCode;
  readonly data: ErrorData | undefined;

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown; data?: ErrorData }) {
    super(
      message ?? ERRORS[code].message,
      options?.cause === undefined ? {} : { cause: options.cause },
    );
    this.name = "DevicechainError";
    this.code = code;
    this.data = options?.data;
  }

  get httpStatus(): number {
    return ERRORS[this.code].http;
  }

  get abciCode(): number {
    return ERRORS[this.code].abci;
  }
}

/** Build a coded error; the message defaults to the catalogue's sentence. */
export function makeError(
  code: ErrorCode,
  message?: string,
  options?: { cause?: unknown; data?: ErrorData },
): DevicechainError {
  return new DevicechainError(code, message, options);
}

/** True if `e` is a DevicechainError, and of `code` when one is given. */
export function isError(e: unknown, code?: ErrorCode): e is DevicechainError {
  return e instanceof DevicechainError && (code === undefined || e.code === code);
}
