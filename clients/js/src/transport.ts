/**
 * One License API call: URL and body encoding, headers and authorization (HMAC or OAuth
 * bearer), retries with backoff (DESIGN.md "Retries"), error answers, and the mandatory v2
 * verification of every JSON success over the exact bytes received.
 */
import type { KeyObject } from "node:crypto";
import { LicensorApiError, LicensorNetworkError } from "./errors.js";
import { apiError, backoffMs, normalizeBaseUrl, parseJson, parseRetryAfter, send, type RawResponse } from "./http.js";
import { TokenSource } from "./oauth.js";
import { httpDate, loadPublicKey, signRequest, verifyBodySignature } from "./signing.js";
import { VERSION } from "./version.js";

/**
 * LicensorClient's configuration (DESIGN.md "Configuration"). Give `apiKey` + `sharedKey`
 * (HMAC-signed requests) or `clientId` + `clientSecret` (OAuth client credentials).
 */
export interface ClientConfig {
  /** `https://licensing.example.com`; a trailing `/` or `/api/v4` is accepted. */
  baseUrl: string;
  apiKey?: string;
  sharedKey?: string;
  /** OAuth: the client credentials (`licensor oauth-client create`). */
  clientId?: string;
  clientSecret?: string;
  /** OAuth: the token endpoint (default: asked from the server, GET oauth_url). */
  tokenUrl?: string;
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
  /** The clock of the Date header and of token expiry (tests inject one). */
  now?: () => Date;
}

/**
 * Sent as JSON `null` in a POST body (undefined and null parameters are left out). An object,
 * not a symbol: TypeScript widens a unique symbol inside object literals.
 */
export const JSON_NULL: { readonly jsonNull: true } = Object.freeze({ jsonNull: true });

export type Params = Record<
  string,
  string | number | boolean | Record<string, string> | Array<Record<string, unknown>> | typeof JSON_NULL | null | undefined
>;

/** A verified 2xx answer: the exact bytes and their decoded JSON. */
export interface Answer {
  status: number;
  body: Uint8Array;
  signature: string;
  value: unknown;
}

export interface CallOptions {
  /** False for the unauthenticated endpoints (oauth_url): no Authorization header. */
  auth?: boolean;
  /** True for the answers that are an empty 200 (floating release): the body is not read. */
  empty?: boolean;
}

/** The credential that signs offline files: the API key and shared key, or the OAuth client. */
export interface OfflineCredential {
  keyId: string;
  key: string;
  oauth: boolean;
}

const RETRY_AFTER_MAX_S = 30;
const TOKEN_CODES = new Set(["oauth_token_expired", "oauth_token_malformed"]);

function credentials(config: ClientConfig): OfflineCredential {
  const hmac = config.apiKey !== undefined || config.sharedKey !== undefined;
  const oauth = config.clientId !== undefined || config.clientSecret !== undefined;
  if (hmac && oauth) throw new TypeError("give apiKey + sharedKey or clientId + clientSecret, not both");
  if (oauth) {
    if (!config.clientId) throw new TypeError("clientId is required");
    if (!config.clientSecret) throw new TypeError("clientSecret is required");
    return { keyId: config.clientId, key: config.clientSecret, oauth: true };
  }
  if (!config.apiKey) throw new TypeError("apiKey is required");
  if (!config.sharedKey) throw new TypeError("sharedKey is required");
  return { keyId: config.apiKey, key: config.sharedKey, oauth: false };
}

/** Sends License API requests; used by LicensorClient. */
export class Transport {
  readonly base: string;
  readonly publicKey: KeyObject;
  readonly userAgent: string;
  /** @internal */
  readonly credential: OfflineCredential;
  private readonly tokens: TokenSource | null;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly fetchFn: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => Date;

  constructor(config: ClientConfig, discoverTokenUrl: () => Promise<string>) {
    if (typeof config !== "object" || config === null) throw new TypeError("config is required");
    this.credential = credentials(config);
    this.base = normalizeBaseUrl(config.baseUrl);
    this.publicKey = loadPublicKey(config.publicKey);
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
    if (config.tokenUrl !== undefined) new URL(config.tokenUrl); // a bad URL fails here, not at the first call
    this.tokens = this.credential.oauth
      ? new TokenSource({
          clientId: this.credential.keyId,
          clientSecret: this.credential.key,
          tokenUrl: config.tokenUrl,
          discover: discoverTokenUrl,
          fetchFn: this.fetchFn,
          timeoutMs: this.timeoutMs,
          userAgent: this.userAgent,
          now: this.now,
        })
      : null;
  }

  /**
   * Calls `endpoint`. `idempotent` calls are retried on network errors too; every call is
   * retried on 429 and 503. In OAuth mode a 401 oauth_token_expired/malformed fetches a new
   * token and repeats the call once. Resolves with a verified answer; rejects with
   * LicensorApiError, LicensorSignatureError or LicensorNetworkError.
   */
  async call(method: "GET" | "POST", endpoint: string, params: Params, idempotent: boolean, options: CallOptions = {}): Promise<Answer> {
    let renewedToken = false;
    for (let attempt = 0; ; attempt++) {
      const retry = async (err: unknown, retryAfter: number | null = null): Promise<void> => {
        if (attempt >= this.maxRetries) throw err;
        if (retryAfter !== null && retryAfter > RETRY_AFTER_MAX_S) throw err;
        await this.sleep(retryAfter !== null ? retryAfter * 1000 : backoffMs(attempt));
      };
      let token: string | null = null;
      if (options.auth !== false && this.tokens !== null) {
        try {
          token = await this.tokens.token();
        } catch (err) {
          // Nothing reached the API yet, so any call may try again.
          if (err instanceof LicensorNetworkError || (err instanceof LicensorApiError && err.retryable)) {
            await retry(err, err instanceof LicensorApiError ? err.retryAfter : null);
            continue;
          }
          throw err;
        }
      }
      let res: RawResponse;
      try {
        res = await send(this.fetchFn, ...this.buildRequest(method, endpoint, params, options, token), this.timeoutMs, `${method} ${endpoint}`);
      } catch (err) {
        if (!(err instanceof LicensorNetworkError) || !idempotent) throw err;
        await retry(err);
        continue;
      }
      if (res.status >= 200 && res.status < 300) {
        return options.empty ? { status: res.status, body: res.body, signature: "", value: undefined } : this.verify(res);
      }
      const retryAfter = parseRetryAfter(res.headers.get("retry-after"), this.now());
      const error = apiError(res.status, res.body, retryAfter);
      if (token !== null && res.status === 401 && TOKEN_CODES.has(error.code) && !renewedToken) {
        // The token ran out or was not accepted: a new one, and the same call once more
        // (this does not count as a retry).
        renewedToken = true;
        this.tokens?.invalidate(token);
        attempt--;
        continue;
      }
      if (!error.retryable) throw error;
      await retry(error, retryAfter);
    }
  }

  private verify(res: RawResponse): Answer {
    const signature = res.headers.get("licensesignature");
    verifyBodySignature(res.body, signature, this.publicKey);
    const value = parseJson(res.body);
    if (value === undefined) {
      throw new LicensorApiError(res.status, "unexpected_response", `HTTP ${res.status} with a body that is not JSON`);
    }
    return { status: res.status, body: res.body, signature: (signature as string).trim(), value };
  }

  private authorization(token: string | null, options: CallOptions): Record<string, string> {
    const date = httpDate(this.now());
    if (options.auth === false) return { Date: date };
    if (token !== null) return { Date: date, Authorization: `Bearer ${token}` };
    const signed = signRequest(this.credential.keyId, this.credential.key, date);
    return { Date: signed.date, Authorization: signed.authorization };
  }

  private buildRequest(
    method: "GET" | "POST",
    endpoint: string,
    params: Params,
    options: CallOptions,
    token: string | null,
  ): [string, RequestInit] {
    const headers: Record<string, string> = {
      ...this.authorization(token, options),
      Accept: "application/json",
      "User-Agent": this.userAgent,
    };
    let url = this.base + endpoint;
    const init: RequestInit = { method, headers };
    if (method === "GET") {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(params)) {
        if (v === undefined || v === null || v === JSON_NULL) continue;
        if (typeof v === "object") throw new TypeError(`${k}: objects cannot go in a query string`);
        q.append(k, String(v));
      }
      const qs = q.toString();
      if (qs) url += `?${qs}`;
    } else {
      headers["Content-Type"] = "application/json";
      const body: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(params)) {
        if (v === JSON_NULL) body[k] = null;
        else if (v !== undefined && v !== null) body[k] = v;
      }
      init.body = JSON.stringify(body);
    }
    return [url, init];
  }
}
