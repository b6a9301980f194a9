// The emulator's clock. Virtual by default: time only moves when the test advances it, so ticks,
// callout timeouts and timestamps are deterministic. "system" follows the machine's clocks.

export type ClockMode = "virtual" | "system";

export class Clock {
  readonly mode: ClockMode;
  private readonly realtimeStartNs: bigint;
  private readonly monotonicStartNs: bigint;
  /** Virtual time since start, in ms (fractions allowed); BigInt nanoseconds only when asked for. */
  private elapsedMs = 0;

  constructor(mode: ClockMode = "virtual", start?: Date | number) {
    this.mode = mode;
    const startMs = start === undefined ? Date.now() : typeof start === "number" ? start : start.getTime();
    this.realtimeStartNs = BigInt(Math.round(startMs)) * 1_000_000n;
    this.monotonicStartNs = process.hrtime.bigint();
  }

  /** Wall-clock time in nanoseconds since the Unix epoch. */
  realtimeNs(): bigint {
    if (this.mode === "system") return BigInt(Date.now()) * 1_000_000n;
    return this.realtimeStartNs + BigInt(Math.round(this.elapsedMs * 1e6));
  }

  /** Monotonic time in nanoseconds (arbitrary origin). */
  monotonicNs(): bigint {
    if (this.mode === "system") return process.hrtime.bigint();
    return this.monotonicStartNs + BigInt(Math.round(this.elapsedMs * 1e6));
  }

  /** Wall-clock nanoseconds of a moment given as ms since start (see nowMs). */
  realtimeNsAt(ms: number): bigint {
    return this.realtimeStartNs + BigInt(Math.round(ms * 1e6));
  }

  /** Milliseconds elapsed since the clock started (the timer scheduler's time base). */
  nowMs(): number {
    if (this.mode === "system") return Number(process.hrtime.bigint() - this.monotonicStartNs) / 1e6;
    return this.elapsedMs;
  }

  /** Moves virtual time forward to `ms` since start (never backwards). */
  setMs(ms: number): void {
    if (this.mode === "system") throw new Error("the system clock cannot be moved; use clock: 'virtual'");
    if (ms > this.elapsedMs) this.elapsedMs = ms;
  }
}
