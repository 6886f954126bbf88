import {
  btcHeaderHash,
  headerWork,
  mineBtcHeader,
  parseBtcHeader,
  sha256d,
} from "../chains/babylon/btclightclient.ts";

/**
 * The devnet's Bitcoin: a chain of real 80-byte block headers (prev-hash linked, double-SHA256 hashed,
 * regtest difficulty with a nonce that actually meets the target) whose timestamps follow Bitcoin's rule —
 * each one greater than the median of the previous 11, but occasionally earlier than its predecessor — so
 * the gadget's timestamp → height mapping meets the non-monotonic times it meets on mainnet.
 */

export interface BtcHeader {
  height: number;
  /** Display (reversed) byte order, as block explorers and Babylon's `hash_hex` show it. */
  hashHex: string;
  /** The raw 80 bytes, hex. */
  headerHex: string;
  /** Header timestamp, unix seconds. */
  time: number;
  /** Cumulative chain work up to and including this header. */
  work: bigint;
}

export interface BtcChainOptions {
  /** Height of the first (base) header. Default 0. */
  baseHeight?: number;
  /** Headers created at start, base included, with times spaced `spacingSec` apart and ending at now. Default 10. */
  initialHeaders?: number;
  /** Nominal seconds between the initial headers. Default 600. */
  spacingSec?: number;
  /** Clock in milliseconds; tests pass a fake one. */
  now?: () => number;
  /** Seed of the PRNG that picks the occasional earlier-than-previous timestamp. */
  seed?: number;
  /** Fraction of headers whose timestamp goes backwards (still above the median of the last 11). Default 0.2. */
  backwardsRate?: number;
}

export interface BtcChainState {
  baseHeight: number;
  headers: string[];
  prng: number;
}

/** Regtest's compact target: about half of all hashes meet it, so mining a header takes ~2 tries. */
const REGTEST_BITS = 0x207fffff;
const MEDIAN_SPAN = 11;

/** mulberry32: small, seedable, and its whole state is one uint32 (persisted with the chain). */
function nextRandom(state: number): [number, number] {
  const s = (state + 0x6d2b79f5) >>> 0;
  let t = s;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return [((t ^ (t >>> 14)) >>> 0) / 4294967296, s];
}

export type HeaderListener = (headers: readonly BtcHeader[]) => void;

export class BtcHeaderChain {
  private headers: BtcHeader[] = [];
  private byHash = new Map<string, number>();
  private readonly listeners = new Set<HeaderListener>();
  private readonly now: () => number;
  private readonly backwardsRate: number;
  private prng = 1;
  private timer: NodeJS.Timeout | undefined;
  private base_ = 0;

  constructor(options: BtcChainOptions = {}, state?: BtcChainState) {
    this.now = options.now ?? Date.now;
    this.backwardsRate = options.backwardsRate ?? 0.2;
    if (state) {
      this.load(state);
      return;
    }
    this.base_ = options.baseHeight ?? 0;
    this.prng = (options.seed ?? 1) >>> 0;
    const count = Math.max(1, options.initialHeaders ?? 10);
    const spacing = options.spacingSec ?? 600;
    const end = Math.floor(this.now() / 1000);
    for (let i = 0; i < count; i++) this.mineOne(end - (count - 1 - i) * spacing);
  }

  get baseHeight(): number {
    return this.base_;
  }

  /** Height of the header with this display-order hash, if it is on the chain. */
  heightOf(hashHex: string): number | undefined {
    return this.byHash.get(hashHex.toLowerCase());
  }

  tip(): BtcHeader {
    return this.headers[this.headers.length - 1]!;
  }

  base(): BtcHeader {
    return this.headers[0]!;
  }

  header(height: number): BtcHeader | undefined {
    return this.headers[height - this.baseHeight];
  }

  /** Headers with from ≤ height ≤ to, ascending. */
  range(from: number, to: number): BtcHeader[] {
    const lo = Math.max(0, from - this.baseHeight);
    const hi = Math.min(this.headers.length - 1, to - this.baseHeight);
    return hi < lo ? [] : this.headers.slice(lo, hi + 1);
  }

  /** Mines `n` headers now and returns them. */
  advance(n = 1): BtcHeader[] {
    if (!Number.isInteger(n) || n < 1) throw new Error(`BTC advance: n must be a positive integer, got ${n}`);
    const made: BtcHeader[] = [];
    for (let i = 0; i < n; i++) made.push(this.mineOne(Math.floor(this.now() / 1000)));
    for (const listener of this.listeners) listener(made);
    return made;
  }

  onHeaders(listener: HeaderListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Mines one header every `intervalMs` until stop(). */
  start(intervalMs: number): void {
    if (!(intervalMs > 0)) throw new Error(`BTC block interval must be > 0 ms, got ${intervalMs}`);
    this.stop();
    this.timer = setInterval(() => this.advance(1), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  get producing(): boolean {
    return this.timer !== undefined;
  }

  /** Replaces the whole chain with a persisted one (checked header by header). */
  load(state: BtcChainState): void {
    if (state.headers.length === 0) throw new Error("BTC chain state has no headers");
    const previous = { headers: this.headers, byHash: this.byHash, base: this.base_ };
    this.headers = [];
    this.byHash = new Map();
    this.base_ = state.baseHeight;
    try {
      for (const hex of state.headers) this.append(Uint8Array.from(Buffer.from(hex, "hex")));
    } catch (err) {
      this.headers = previous.headers;
      this.byHash = previous.byHash;
      this.base_ = previous.base;
      throw err;
    }
    this.prng = state.prng >>> 0;
  }

  exportState(): BtcChainState {
    return { baseHeight: this.baseHeight, headers: this.headers.map((h) => h.headerHex), prng: this.prng };
  }

  /** Median time past of the last 11 headers (fewer near the base), Bitcoin's lower bound for the next time. */
  medianTimePast(): number {
    const times = this.headers
      .slice(-MEDIAN_SPAN)
      .map((h) => h.time)
      .sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)] ?? 0;
  }

  private random(): number {
    const [value, state] = nextRandom(this.prng);
    this.prng = state;
    return value;
  }

  private nextTime(wanted: number): number {
    if (this.headers.length === 0) return wanted;
    const floor = this.medianTimePast() + 1;
    const prev = this.tip().time;
    let time = Math.max(wanted, floor);
    // Miners' clocks disagree: sometimes a block claims a time before its parent's, as far back as the median allows.
    if (this.random() < this.backwardsRate && prev - 1 >= floor) {
      time = floor + Math.floor(this.random() * (prev - floor));
    }
    return time;
  }

  private mineOne(wantedTime: number): BtcHeader {
    const height = this.baseHeight + this.headers.length;
    const header = mineBtcHeader({
      version: 0x20000000, // BIP9 signalling bits, as modern blocks carry
      prevBlockHash: this.headers.length === 0 ? "00".repeat(32) : this.tip().hashHex,
      // A stand-in coinbase commitment: unique per height, so every header differs even at equal times.
      merkleRoot: Buffer.from(sha256d(new TextEncoder().encode(`op-btc-finality devnet coinbase ${height}`)))
        .reverse()
        .toString("hex"),
      time: this.nextTime(wantedTime),
      bits: REGTEST_BITS,
      nonce: 0,
    });
    return this.append(header);
  }

  private append(raw: Uint8Array): BtcHeader {
    const header = parseBtcHeader(raw);
    const prev = this.headers[this.headers.length - 1];
    if (prev && header.prevBlockHash !== prev.hashHex) {
      throw new Error(
        `BTC header at height ${this.baseHeight + this.headers.length} does not link to its parent`,
      );
    }
    const info: BtcHeader = {
      height: this.baseHeight + this.headers.length,
      hashHex: btcHeaderHash(raw),
      headerHex: Buffer.from(raw).toString("hex"),
      time: header.time,
      work: (prev?.work ?? 0n) + headerWork(header.bits),
    };
    this.headers.push(info);
    this.byHash.set(info.hashHex, info.height);
    return info;
  }
}
