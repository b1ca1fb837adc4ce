/**
 * The error kinds of DESIGN.md "Errors": every error this package throws on
 * purpose extends LicensorError, so `instanceof` tells them apart.
 */

/** The base class of every error this package throws on purpose. */
export class LicensorError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message);
    this.name = new.target.name;
    if (options && "cause" in options) {
      Object.defineProperty(this, "cause", {
        value: options.cause,
        configurable: true,
        writable: true,
        enumerable: false,
      });
    }
  }
}

/** An error answer from the server (or an answer that is not what the endpoint promises). */
export class LicensorApiError extends LicensorError {
  /** The HTTP status of the answer. */
  readonly status: number;
  /** The License API error code, e.g. `license_not_found`; `unexpected_response` when the body is not an error body. */
  readonly code: string;
  /** Seconds from the `Retry-After` header, or null when absent. */
  readonly retryAfter: number | null;

  constructor(status: number, code: string, message: string, retryAfter: number | null = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }

  /** True for the answers that are worth repeating later: 429 and 503. */
  get retryable(): boolean {
    return this.status === 429 || this.status === 503;
  }
}

/** An answer failed verification with the pinned public key: it did not come unaltered from the server. */
export class LicensorSignatureError extends LicensorError {
  /** Why verification failed, in words. */
  readonly reason: string;

  constructor(reason: string) {
    super(`response signature verification failed: ${reason}`);
    this.reason = reason;
  }
}

/** No answer: connection refused or reset, DNS, TLS, or the per-attempt timeout. */
export class LicensorNetworkError extends LicensorError {
  declare readonly cause: unknown;

  constructor(message: string, cause: unknown) {
    super(message, { cause });
  }
}

/** The codes of LocalLicenseError, in the order LicenseManager.localCheck() checks them. */
export type LocalLicenseErrorCode =
  | "license_file_missing"
  | "license_file_invalid"
  | "hardware_id_mismatch"
  | "product_mismatch"
  | "license_not_enabled"
  | "license_not_active"
  | "license_expired"
  | "clock_tampered"
  | "offline_grace_expired";

/** A problem with the local license file or what it says (LicenseManager). */
export class LocalLicenseError extends LicensorError {
  readonly code: LocalLicenseErrorCode;

  constructor(code: LocalLicenseErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
