/**
 * OAuth client credentials (license-api.md §2.2): trades a client id and secret for an access
 * token at the token endpoint and keeps it until shortly before it expires.
 */
import { isObject } from "./decode.js";
import { LicensorApiError, LicensorNetworkError } from "./errors.js";
import { apiError, parseJson, parseRetryAfter, send } from "./http.js";

/** A token is replaced this long before it expires (at most a tenth of its lifetime), so a
 * request never leaves with a token that runs out on the way. */
const EXPIRY_MARGIN_MS = 30_000;
/** expires_in is only RECOMMENDED (RFC 6749 §5.1): without it, a token is kept this long. */
const DEFAULT_LIFETIME_MS = 60_000;

export interface TokenSourceOptions {
  clientId: string;
  clientSecret: string;
  /** The token endpoint; when absent, `discover()` finds it (GET oauth_url). */
  tokenUrl?: string;
  discover: () => Promise<string>;
  fetchFn: typeof fetch;
  timeoutMs: number;
  userAgent: string;
  now: () => Date;
}

/** The error answer of a token endpoint: RFC 6749 §5.2 `{error, error_description}`. */
function tokenError(status: number, body: Uint8Array, retryAfter: number | null): LicensorApiError {
  const v = parseJson(body);
  if (isObject(v) && typeof v["error"] === "string" && v["error"] !== "") {
    const desc = typeof v["error_description"] === "string" ? v["error_description"] : v["error"];
    return new LicensorApiError(status, v["error"], desc, retryAfter);
  }
  return apiError(status, body, retryAfter);
}

/** Access tokens for one OAuth client, fetched on demand and cached. */
export class TokenSource {
  private cached: { token: string; refreshAt: number } | null = null;
  private pending: Promise<string> | null = null;
  private url: string | undefined;

  constructor(private readonly opts: TokenSourceOptions) {
    this.url = opts.tokenUrl;
  }

  /** A valid access token: the cached one, or a fresh one (concurrent callers share one fetch). */
  token(): Promise<string> {
    const c = this.cached;
    if (c !== null && this.opts.now().getTime() < c.refreshAt) return Promise.resolve(c.token);
    this.pending ??= this.fetchToken().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  /** Forgets `token` (the server called it expired or malformed); the next token() fetches anew. */
  invalidate(token: string): void {
    if (this.cached?.token === token) this.cached = null;
  }

  private async fetchToken(): Promise<string> {
    const url = this.url ?? (await this.opts.discover());
    const started = this.opts.now().getTime();
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: this.opts.clientId,
      client_secret: this.opts.clientSecret,
    });
    let res;
    try {
      res = await send(this.opts.fetchFn, url, {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          Accept: "application/json",
          "User-Agent": this.opts.userAgent,
        },
        body: form.toString(),
      }, this.opts.timeoutMs, "POST token endpoint");
    } catch (err) {
      // A discovered URL is looked up again next time: the server may have moved it.
      if (err instanceof LicensorNetworkError && this.opts.tokenUrl === undefined) this.url = undefined;
      throw err;
    }
    if (res.status !== 200) {
      throw tokenError(res.status, res.body, parseRetryAfter(res.headers.get("retry-after"), this.opts.now()));
    }
    const v = parseJson(res.body);
    const bad = (why: string) => new LicensorApiError(200, "unexpected_response", `the token endpoint's answer ${why}`);
    if (!isObject(v) || typeof v["access_token"] !== "string" || v["access_token"] === "") throw bad("has no access_token");
    const type = v["token_type"];
    if (type !== undefined && (typeof type !== "string" || type.toLowerCase() !== "bearer")) throw bad("is not a Bearer token");
    const expiresIn = v["expires_in"];
    const lifetime = typeof expiresIn === "number" && expiresIn > 0 ? expiresIn * 1000 : DEFAULT_LIFETIME_MS;
    this.url = url;
    this.cached = {
      token: v["access_token"],
      refreshAt: started + lifetime - Math.min(EXPIRY_MARGIN_MS, lifetime / 10),
    };
    return v["access_token"];
  }
}
