/**
 * Local consumption (LicenseManager): units an application records as they are used, kept in
 * memory and sent to the server in batches (add_consumption, add_feature_consumption).
 *
 * A unit is removed from the pending count only once the server has counted it. A refused
 * sync (license_not_enough_consumptions, feature_not_enough_consumptions, …) keeps the units:
 * they were used, and a vendor who bills or limits by consumption wants them counted as soon
 * as the license allows (more consumptions, overages); dropping them would let an
 * application use more than it pays for by staying over its limit. The application sees the
 * refusal and decides: stop the feature, or discard() the units deliberately.
 */
import type { ConsumptionResult, FeatureConsumptionResult } from "./apiTypes.js";
import type { LicensorClient } from "./client.js";
import { LicensorApiError } from "./errors.js";
import type { Identity } from "./types.js";

/** What has been recorded locally and not yet counted by the server. */
export interface PendingConsumption {
  /** License-level units. */
  consumptions: number;
  /** Units by feature code. */
  features: Record<string, number>;
}

/** What a sync sent, and the server's counters afterwards. */
export interface ConsumptionSync {
  license: ConsumptionResult | null;
  features: Record<string, FeatureConsumptionResult>;
}

function requireUnits(n: unknown): number {
  if (typeof n !== "number" || !Number.isSafeInteger(n)) throw new TypeError("consumptions must be an integer");
  return n;
}

export class LocalConsumption {
  private license = 0;
  private readonly features = new Map<string, number>();

  add(n: number): void {
    this.license += requireUnits(n);
  }

  addFeature(code: string, n: number): void {
    if (typeof code !== "string" || code === "") throw new TypeError("feature is required");
    this.features.set(code, (this.features.get(code) ?? 0) + requireUnits(n));
  }

  pending(): PendingConsumption {
    const features: Record<string, number> = {};
    for (const [code, n] of this.features) if (n !== 0) features[code] = n;
    return { consumptions: this.license, features };
  }

  /** Forgets every pending unit, and returns what was forgotten. */
  discard(): PendingConsumption {
    const was = this.pending();
    this.license = 0;
    this.features.clear();
    return was;
  }

  /**
   * Sends what is pending: the license-level units, then each feature's. Each part is taken
   * off the pending count when the server accepts it (units recorded meanwhile stay). An API
   * error does not stop the other parts; the first one is thrown once all were tried. Any
   * other error (network, signature) stops at once: the rest would fail the same way.
   */
  async sync(client: LicensorClient, identity: Identity): Promise<ConsumptionSync> {
    const out: ConsumptionSync = { license: null, features: {} };
    const refused: LicensorApiError[] = [];
    const attempt = async (send: () => Promise<void>) => {
      try {
        await send();
      } catch (err) {
        if (!(err instanceof LicensorApiError)) throw err;
        refused.push(err);
      }
    };
    const n = this.license;
    if (n !== 0) {
      await attempt(async () => {
        out.license = await client.addConsumption(identity, n);
        this.license -= n;
      });
    }
    for (const [code, m] of [...this.features]) {
      if (m === 0) continue;
      await attempt(async () => {
        out.features[code] = await client.addFeatureConsumption(identity, code, m);
        const left = (this.features.get(code) ?? 0) - m;
        if (left === 0) this.features.delete(code);
        else this.features.set(code, left);
      });
    }
    if (refused.length > 0) throw refused[0];
    return out;
  }
}
