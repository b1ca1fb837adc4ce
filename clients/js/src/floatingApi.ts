/** Floating cloud seats (license-api.md §5.12), and the sign-in helpers sso_url (§5.18) and oauth_url (§5.19). */
import type { Borrowed, OauthUrl, SsoUrl, SsoUrlRequest } from "./apiTypes.js";
import { expectObject, toBorrowed, toOauthUrl, toSsoUrl } from "./decode.js";
import { identityParams, requireString } from "./identity.js";
import { JSON_NULL, type Transport } from "./transport.js";
import type { Identity } from "./types.js";

/** `borrowed_until`: an ISO string as given, a Date in ISO form, or null (now + max_borrow_time). */
function until(v: string | Date | null | undefined): string | typeof JSON_NULL {
  if (v === undefined || v === null) return JSON_NULL;
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) throw new TypeError("borrowedUntil is an invalid Date");
    return v.toISOString();
  }
  return requireString(v, "borrowedUntil");
}

// Borrowing again sets the same end, and releasing twice frees the same seat: the floating
// calls are safe to retry.

export async function floatingBorrow(t: Transport, identity: Identity, borrowedUntil?: string | Date | null): Promise<Borrowed> {
  const params = { ...identityParams(identity, { password: true, sso: true }), borrowed_until: until(borrowedUntil) };
  const answer = await t.call("POST", "floating/borrow", params, true);
  return toBorrowed(expectObject(answer.status, answer.value, "a borrow summary"));
}

export async function floatingRelease(t: Transport, identity: Identity): Promise<void> {
  await t.call("POST", "floating/release", identityParams(identity), true, { empty: true });
}

export async function floatingFeatureBorrow(
  t: Transport,
  identity: Identity,
  feature: string,
  borrowedUntil?: string | Date | null,
): Promise<Borrowed> {
  const params = {
    ...identityParams(identity, { password: true }),
    feature: requireString(feature, "feature"),
    borrowed_until: until(borrowedUntil),
  };
  const answer = await t.call("POST", "floating/feature_borrow", params, true);
  return toBorrowed(expectObject(answer.status, answer.value, "a borrow summary"));
}

export async function floatingFeatureRelease(t: Transport, identity: Identity, feature: string): Promise<void> {
  const params = { ...identityParams(identity), feature: requireString(feature, "feature") };
  await t.call("POST", "floating/feature_release", params, true, { empty: true });
}

export async function ssoUrl(t: Transport, request: SsoUrlRequest): Promise<SsoUrl> {
  requireString(request?.product, "request.product");
  requireString(request.customerAccountCode, "request.customerAccountCode");
  if (request.responseType !== undefined && request.responseType !== "code" && request.responseType !== "token") {
    throw new TypeError('request.responseType must be "code" or "token"');
  }
  const answer = await t.call("GET", "sso_url", {
    product: request.product,
    customer_account_code: request.customerAccountCode,
    response_type: request.responseType,
    redirect_uri: request.redirectUri,
  }, true);
  return toSsoUrl(answer.status, expectObject(answer.status, answer.value, "an SSO URL"));
}

/** GET oauth_url: unauthenticated; licensor still signs the answer, and it is verified, since
 * the client secret goes to the URL it names. */
export async function oauthUrl(t: Transport): Promise<OauthUrl> {
  const answer = await t.call("GET", "oauth_url", { login_type: "client_credentials" }, true, { auth: false });
  return toOauthUrl(answer.status, expectObject(answer.status, answer.value, "the token endpoint"));
}
