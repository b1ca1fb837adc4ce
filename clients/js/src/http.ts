/**
 * The HTTP pieces shared by the License API transport and the OAuth token source: base URL
 * normalisation, one fetch with a per-attempt timeout, backoff, Retry-After and error bodies.
 */
import { LicensorApiError, LicensorNetworkError } from "./errors.js";

const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 10_000;

/** An answer as received: status, headers and the exact body bytes. */
export interface RawResponse {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

/** `https://host[/prefix]` → `https://host[/prefix]/api/v4/`. */
export function normalizeBaseUrl(baseUrl: string): string {
  if (typeof baseUrl !== "string" || baseUrl.trim() === "") throw new TypeError("baseUrl is required");
  let s = baseUrl.trim().replace(/\/+$/, "");
  if (s.endsWith("/api/v4")) s = s.slice(0, -"/api/v4".length);
  const url = new URL(s);
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new TypeError(`baseUrl must be http(s): ${baseUrl}`);
  }
  return `${s}/api/v4/`;
}

/** Seconds from a Retry-After header (delta-seconds or an HTTP date), or null. */
export function parseRetryAfter(value: string | null, now: Date): number | null {
  if (value === null) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}

/** The wait before retry number n (0-based): 0.5 s × 2ⁿ, ±20 % jitter, at most 10 s. */
export function backoffMs(n: number, random: () => number = Math.random): number {
  const base = BACKOFF_BASE_MS * 2 ** n;
  const jittered = base * (0.8 + 0.4 * random());
  return Math.min(BACKOFF_CAP_MS, Math.round(jittered));
}

/** Decodes a body as JSON; undefined when it is not UTF-8 JSON. */
export function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    return undefined;
  }
}

/** The API error of an error answer: its `{status, code, message}` body, else `unexpected_response`. */
export function apiError(status: number, bytes: Uint8Array, retryAfter: number | null): LicensorApiError {
  const v = parseJson(bytes);
  if (typeof v === "object" && v !== null && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if (
      typeof o["code"] === "string" && o["code"] !== "" &&
      typeof o["message"] === "string" &&
      (o["status"] === undefined || typeof o["status"] === "number")
    ) {
      return new LicensorApiError(status, o["code"], o["message"], retryAfter);
    }
  }
  return new LicensorApiError(status, "unexpected_response", `HTTP ${status} without a License API error body`, retryAfter);
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    if (cause instanceof Error) {
      const code = (cause as { code?: unknown }).code;
      return `${err.message} (${typeof code === "string" ? code : cause.message})`;
    }
    return err.message;
  }
  return String(err);
}

/**
 * One request with a timeout: resolves with whatever status came back, rejects with
 * LicensorNetworkError when no answer came (`label` names the call in the message).
 */
export async function send(
  fetchFn: typeof fetch,
  url: string,
  init: RequestInit,
  timeoutMs: number,
  label: string,
): Promise<RawResponse> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  try {
    const res = await fetchFn(url, { ...init, signal: controller.signal });
    const body = new Uint8Array(await res.arrayBuffer());
    return { status: res.status, headers: res.headers, body };
  } catch (err) {
    if (timedOut) throw new LicensorNetworkError(`${label}: no answer within ${timeoutMs} ms`, err);
    throw new LicensorNetworkError(`${label}: ${describe(err)}`, err);
  } finally {
    clearTimeout(timer);
  }
}
