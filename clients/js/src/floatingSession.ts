/**
 * FloatingKeepAlive: holds a floating cloud seat (license-api.md §5.12). A seat lapses after
 * the license's floating_timeout minutes without a check, so the keep-alive checks the license
 * (check_license takes or renews the seat) every interval, by default half that timeout, and
 * releases the seat (floating/release) when stopped.
 */
import type { LicenseStatus } from "./manager.js";

/** The timer the keep-alive schedules its checks with (tests inject one). */
export interface KeepAliveTimer {
  /** Calls `fn` once after `ms`; returns a handle for clearTimeout. */
  setTimeout(fn: () => unknown, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface FloatingOptions {
  /** Between checks, ms (default: half the license's floating_timeout). */
  intervalMs?: number;
  /** Every failed check (the keep-alive goes on trying). */
  onError?: (err: unknown) => void;
  /** Every successful check. */
  onCheck?: (status: LicenseStatus) => void;
  timer?: KeepAliveTimer;
}

const MINUTE_MS = 60_000;

/**
 * The default timer: Node's, unref'd, so that a keep-alive never keeps a process alive by
 * itself (the application's own work does; stop() releases the seat).
 */
const nodeTimer: KeepAliveTimer = {
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

function intervalFor(status: LicenseStatus, configured: number | undefined): number {
  if (configured !== undefined) return configured;
  const minutes = status.license.raw["floating_timeout"];
  if (typeof minutes !== "number" || !(minutes > 0)) {
    throw new TypeError("the license has no floating_timeout: pass intervalMs");
  }
  return (minutes * MINUTE_MS) / 2;
}

export class FloatingKeepAlive {
  /** The answer of the last successful check. */
  status: LicenseStatus;
  /** The wait before the next check, ms (follows the license's floating_timeout unless configured). */
  intervalMs: number;
  private handle: unknown = undefined;
  private stopped = false;
  private inflight: Promise<void> | null = null;
  private readonly timer: KeepAliveTimer;

  private constructor(
    first: LicenseStatus,
    intervalMs: number,
    private readonly check: () => Promise<LicenseStatus>,
    private readonly release: () => Promise<void>,
    private readonly options: FloatingOptions,
  ) {
    this.status = first;
    this.intervalMs = intervalMs;
    this.timer = options.timer ?? nodeTimer;
  }

  /** Checks once (taking the seat; errors are thrown), then keeps the seat until stop(). */
  static async start(
    check: () => Promise<LicenseStatus>,
    release: () => Promise<void>,
    options: FloatingOptions = {},
  ): Promise<FloatingKeepAlive> {
    const configured = options.intervalMs;
    if (configured !== undefined && !(typeof configured === "number" && configured > 0)) {
      throw new TypeError("intervalMs must be positive");
    }
    const first = await check();
    const keepAlive = new FloatingKeepAlive(first, intervalFor(first, configured), check, release, options);
    keepAlive.schedule();
    return keepAlive;
  }

  get running(): boolean {
    return !this.stopped;
  }

  /** Stops checking, waits for a check under way, and releases the seat (its errors are thrown). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.timer.clearTimeout(this.handle);
    await this.inflight;
    await this.release();
  }

  private schedule(): void {
    if (!this.stopped) this.handle = this.timer.setTimeout(() => this.tick(), this.intervalMs);
  }

  /** One check; never rejects (errors go to onError), then schedules the next. */
  private tick(): Promise<void> {
    this.inflight = this.check().then(
      (status) => {
        this.status = status;
        try {
          this.intervalMs = intervalFor(status, this.options.intervalMs);
        } catch {
          // this answer has no floating_timeout: keep the interval so far
        }
        notify(this.options.onCheck, status);
      },
      (err) => notify(this.options.onError, err),
    );
    return this.inflight.then(() => {
      this.inflight = null;
      this.schedule();
    });
  }
}

/** Calls an application callback; what it throws must not stop the keep-alive. */
function notify<T>(fn: ((v: T) => void) | undefined, v: T): void {
  try {
    fn?.(v);
  } catch {
    // the application's callback failed: nothing the keep-alive can do about it
  }
}
