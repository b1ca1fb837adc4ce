/**
 * One signed License API call: URL and body encoding, headers, per-attempt timeout,
 * retries with backoff (DESIGN.md "Retries"), error answers, and the mandatory v2
 * verification of every success over the exact bytes received.
 */
import type { KeyObject } from "node:crypto";
import { LicensorApiError, LicensorNetworkError } from "./errors.js";
import { loadPublicKey, signRequest, verifyBodySignature } from "./signing.js";
import { VERSION } from "./version.js";

/** LicensorClient's configuration (DESIGN.md "Configuration"). */
export interface ClientConfig {
  /** `https://licensing.example.com`; a trailing `/` or `/api/v4` is accepted. */
  baseUrl: string;
  apiKey: string;
  sharedKey: string;
  /** The server's public key, SPKI PEM (`licensor public-key`). Required: answers are always verified. */
  publicKey: string | KeyObject;
  /** Timeout of each attempt, ms (default 10 000). */
  timeoutMs?: number;
  /** Further attempts after the first (default 3). */
  maxRetries?: number;
  /** Sent as telemetry and in the User-Agent. */
  appName?: string;
  appVersion?: string;
  /** The fetch to use (default: the global fetch). */
  fetch?: typeof fetch;
  /** Waits between attempts (tests inject one). */
  sleep?: (ms: number) => Promise<void>;
  /** The clock of the Date header (tests inject one). */
  now?: () => Date;
}

export type Params = Record<string, string | number | boolean | Record<string, string> | null | undefined>;

/** A verified 2xx answer: the exact bytes and their decoded JSON. */
export interface Answer {
  status: number;
  body: Uint8Array;
  signature: string;
  value: unknown;
}

const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 10_000;
const RETRY_AFTER_MAX_S = 30;

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

function apiError(status: number, bytes: Uint8Array, retryAfter: number | null): LicensorApiError {
  try {
    const v: unknown = JSON.parse(Buffer.from(bytes).toString("utf8"));
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
  } catch {
    // not JSON: below
  }
  return new LicensorApiError(status, "unexpected_response", `HTTP ${status} without a License API error body`, retryAfter);
}

/** Sends signed requests; used by LicensorClient. */
export class Transport {
  readonly base: string;
  readonly publicKey: KeyObject;
  readonly userAgent: string;
  private readonly apiKey: string;
  private readonly sharedKey: string;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly fetchFn: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => Date;

  constructor(config: ClientConfig) {
    if (typeof config !== "object" || config === null) throw new TypeError("config is required");
    if (!config.apiKey) throw new TypeError("apiKey is required");
    if (!config.sharedKey) throw new TypeError("sharedKey is required");
    this.base = normalizeBaseUrl(config.baseUrl);
    this.publicKey = loadPublicKey(config.publicKey);
    this.apiKey = config.apiKey;
    this.sharedKey = config.sharedKey;
    this.timeoutMs = config.timeoutMs ?? 10_000;
    this.maxRetries = config.maxRetries ?? 3;
    if (!(this.timeoutMs > 0)) throw new TypeError("timeoutMs must be positive");
    if (!Number.isInteger(this.maxRetries) || this.maxRetries < 0) throw new TypeError("maxRetries must be an integer ≥ 0");
    const f = config.fetch ?? globalThis.fetch;
    if (typeof f !== "function") throw new TypeError("no fetch: use Node.js 18 or later, or pass config.fetch");
    this.fetchFn = f;
    this.sleep = config.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = config.now ?? (() => new Date());
    const app = config.appName ? (config.appVersion ? `${config.appName}/${config.appVersion}` : config.appName) : "";
    this.userAgent = `licensor-js/${VERSION}` + (app ? ` (${app})` : "");
  }

  /**
   * Calls `endpoint`. `idempotent` calls are retried on network errors too; every call is
   * retried on 429 and 503. Resolves with a verified answer; rejects with LicensorApiError,
   * LicensorSignatureError or LicensorNetworkError.
   */
  async call(method: "GET" | "POST", endpoint: string, params: Params, idempotent: boolean): Promise<Answer> {
    for (let attempt = 0; ; attempt++) {
      let res: { status: number; headers: Headers; body: Uint8Array };
      try {
        res = await this.attempt(method, endpoint, params);
      } catch (err) {
        if (err instanceof LicensorNetworkError && idempotent && attempt < this.maxRetries) {
          await this.sleep(backoffMs(attempt));
          continue;
        }
        throw err;
      }
      if (res.status >= 200 && res.status < 300) return this.verify(res.status, res.headers, res.body);
      const retryAfter = parseRetryAfter(res.headers.get("retry-after"), this.now());
      const error = apiError(res.status, res.body, retryAfter);
      if (!error.retryable || attempt >= this.maxRetries) throw error;
      if (retryAfter !== null && retryAfter > RETRY_AFTER_MAX_S) throw error;
      await this.sleep(retryAfter !== null ? retryAfter * 1000 : backoffMs(attempt));
    }
  }

  private verify(status: number, headers: Headers, body: Uint8Array): Answer {
    const signature = headers.get("licensesignature");
    verifyBodySignature(body, signature, this.publicKey);
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
    } catch {
      throw new LicensorApiError(status, "unexpected_response", `HTTP ${status} with a body that is not JSON`);
    }
    return { status, body, signature: (signature as string).trim(), value };
  }

  private buildRequest(method: "GET" | "POST", endpoint: string, params: Params): { url: string; init: RequestInit } {
    const signed = signRequest(this.apiKey, this.sharedKey, this.now());
    const headers: Record<string, string> = {
      Date: signed.date,
      Authorization: signed.authorization,
      Accept: "application/json",
      "User-Agent": this.userAgent,
    };
    let url = this.base + endpoint;
    const init: RequestInit = { method, headers };
    if (method === "GET") {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(params)) {
        if (v === undefined || v === null) continue;
        if (typeof v === "object") throw new TypeError(`${k}: objects cannot go in a query string`);
        q.append(k, String(v));
      }
      const qs = q.toString();
      if (qs) url += `?${qs}`;
    } else {
      headers["Content-Type"] = "application/json";
      const body: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null) body[k] = v;
      init.body = JSON.stringify(body);
    }
    return { url, init };
  }

  private async attempt(method: "GET" | "POST", endpoint: string, params: Params) {
    const { url, init } = this.buildRequest(method, endpoint, params);
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    try {
      const res = await this.fetchFn(url, { ...init, signal: controller.signal });
      const body = new Uint8Array(await res.arrayBuffer());
      return { status: res.status, headers: res.headers, body };
    } catch (err) {
      if (timedOut) {
        throw new LicensorNetworkError(`${method} ${endpoint}: no answer within ${this.timeoutMs} ms`, err);
      }
      const detail = describe(err);
      throw new LicensorNetworkError(`${method} ${endpoint}: ${detail}`, err);
    } finally {
      clearTimeout(timer);
    }
  }
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
