// The voting loop. It is written against three small ports (the L2, the finality contract, Babylon) so
// it runs the same against in-memory fakes in tests and against the chains in the daemon.
//
// Safety rule: a signature leaves this process only after its (height, block hash) is fsync'd in the
// sign guard. Liveness rules: keep randomness committed ahead, re-send what was signed but not confirmed
// after a restart, catch up on every checked height missed while offline, retry failures with backoff.
import { classifyContractError } from "../contracts/finality/contract-error.ts";
import type { ConfigResponse, PubRandCommit } from "../contracts/finality/messages.ts";
import * as signing from "../contracts/finality/signing.ts";
import { bytesEqual } from "../src/core/crypto/bytes.ts";
import type { Proof } from "../src/core/crypto/merkle.ts";
import { deriveRandomness } from "../src/core/crypto/randomness.ts";
import {
  type FinalityGrid,
  finalityGrid,
  isCheckedHeight,
  nextCheckedHeight,
} from "../src/core/finality/grid.ts";
import { ConfigError, errorText } from "../src/errors.ts";
import { backoffDelay } from "../src/retry.ts";
import type { ErrorKind, MissedReason, ProviderMetrics } from "./metrics.ts";
import type { RandomnessStore } from "./randomness-store.ts";
import { type SignGuard, SignGuardCorruptError } from "./sign-guard.ts";

// ------------------------------------------------------------------------------------------------ ports

export type L2Tag = "latest" | "safe" | "finalized";

export interface L2Block {
  height: bigint;
  hash: Uint8Array;
}

export interface L2Source {
  latestHeight(tag: L2Tag): Promise<bigint>;
  blockAt(height: bigint): Promise<L2Block>;
}

/** One vote as the contract client sends it (B's `Vote`): several go in one transaction. */
export type FinalityVote = signing.Vote;
/** A randomness commitment as the contract client sends it (B's `CommitArgs`). */
export type RandomnessCommitRequest = signing.CommitArgs;

export interface ContractPort {
  config(): Promise<ConfigResponse>;
  highestVotedHeight(fpPubkeyHex: string): Promise<bigint | null>;
  lastPubRandCommit(fpPubkeyHex: string): Promise<PubRandCommit | null>;
  pubRandCommitForHeight(fpPubkeyHex: string, height: bigint): Promise<PubRandCommit | null>;
  commitPublicRandomness(req: RandomnessCommitRequest): Promise<{ txHash: string }>;
  /** All votes in one transaction; it fails as a whole if any message fails. */
  submitFinalitySignatures(votes: FinalityVote[]): Promise<{ txHash: string }>;
}

export interface BabylonPort {
  /** At least one active BTC delegation (the Go provider's check, reference §5.4). */
  hasVotingPower(fpPubkeyHex: string): Promise<boolean>;
  /** Babylon's last BTC-finalized epoch: commitments from later epochs are not timestamped yet. */
  lastFinalizedEpoch(): Promise<bigint>;
}

export interface VoterLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

// ------------------------------------------------------------------------------------------------ options

export interface VoterOptions {
  fpPubkeyHex: string;
  secretKey: Uint8Array;
  /** BSN id: the chain id the EOTS randomness is derived with */
  bsnId: string;
  babylonChainId: string;
  contractAddress: string;
  /** which L2 head to follow; the Go provider follows "latest" */
  l2Tag?: L2Tag;
  /** the first height this provider may vote at (on top of the contract's activation height) */
  startHeight?: bigint;
  /** values per randomness commitment (raised to the contract's min_pub_rand) */
  randomnessBatch?: bigint;
  /** keep randomness committed this many L2 heights beyond tip + timestamping delay */
  randomnessLookAhead?: bigint;
  /** L2 blocks between committing randomness and being able to use it (BTC timestamping takes time) */
  timestampingDelay?: bigint;
  /** votes per transaction; capped by the contract's rate limit */
  maxVotesPerTx?: number;
  /** checked heights examined per tick, so a long catch-up interleaves with randomness upkeep */
  maxHeightsPerTick?: number;
  pollIntervalMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** compact the sign journal when it holds more records than this */
  journalCompactAt?: number;
  /** how many checked heights below the resume point the journal keeps after compaction */
  journalKeep?: bigint;
}

export interface VoterDeps {
  l2: L2Source;
  contract: ContractPort;
  babylon: BabylonPort;
  guard: SignGuard;
  store: RandomnessStore;
  metrics: ProviderMetrics;
  logger: VoterLogger;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface MissedHeight {
  height: bigint;
  reason: MissedReason;
}

export interface VoterStatus {
  nextHeight: bigint;
  lastVotedHeight: bigint | null;
  toResend: bigint[];
  missed: MissedHeight[];
  missedTotal: number;
  /** heights that were behind the tip when the provider (re)started and were voted on late */
  catchUp: { from: bigint; to: bigint } | null;
  randomnessCommittedThrough: bigint | null;
  consecutiveFailures: number;
}

export class SlashedError extends Error {
  constructor(detail: string) {
    super(`the finality provider is slashed; the voting loop stops: ${detail}`);
    this.name = "SlashedError";
  }
}

const DUPLICATE_RE = /Duplicated finality signature for finality provider \S+ at height (\d+)/;
const MISSED_KEEP = 1000;

/** Grid-aligned: the signing context and checked heights come from the contract config at init. */
export function gridOf(cfg: ConfigResponse): FinalityGrid {
  return finalityGrid(cfg.bsn_activation_height, cfg.finality_signature_interval);
}

export function classifyError(err: unknown): ErrorKind {
  if (err instanceof SignGuardCorruptError) return "guard";
  const m = err instanceof Error ? err.message : String(err);
  if (/slashed/i.test(m)) return "slashed";
  if (/Rate limit exceeded/.test(m)) return "rate-limit";
  if (classifyContractError(m) === "not-timestamped") return "not-timestamped";
  return "internal";
}

export class Voter {
  private readonly o: Required<Omit<VoterOptions, "startHeight">> & { startHeight: bigint };
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private cfg: ConfigResponse | null = null;
  private grid: FinalityGrid | null = null;
  private voteContext = "";
  private commitContext = "";
  private next = 0n;
  private toResend: bigint[] = [];
  private lastVoted: bigint | null = null;
  private readonly missed: MissedHeight[] = [];
  private missedTotal = 0;
  private catchUp: { from: bigint; to: bigint } | null = null;
  private failures = 0;
  private waitingAt: bigint | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;
  private readonly counted = new WeakSet<object>();
  private commitFailures = 0;
  private commitPauseTicks = 0;

  constructor(
    options: VoterOptions,
    private readonly d: VoterDeps,
  ) {
    this.o = {
      l2Tag: "latest",
      startHeight: 0n,
      randomnessBatch: 1000n,
      randomnessLookAhead: 2000n,
      timestampingDelay: 0n,
      maxVotesPerTx: 32,
      maxHeightsPerTick: 500,
      pollIntervalMs: 1000,
      backoffBaseMs: 1000,
      backoffMaxMs: 60_000,
      journalCompactAt: 100_000,
      journalKeep: 1000n,
      ...options,
    };
    this.sleep = orDefault(d.sleep, (ms) => new Promise((r) => setTimeout(r, ms)));
    this.random = orDefault(d.random, Math.random);
  }

  private get pk(): string {
    return this.o.fpPubkeyHex;
  }

  /** Reads the contract config, reconciles local state with the chain and picks the resume height. */
  async init(): Promise<void> {
    const cfg = await this.d.contract.config();
    this.cfg = cfg;
    const grid = gridOf(cfg);
    this.grid = grid;
    const s = this.d.store.grid;
    if (s.activationHeight !== grid.activationHeight || s.interval !== grid.interval) {
      throw new ConfigError(
        `the randomness store was opened for activation ${s.activationHeight} / interval ${s.interval}, ` +
          `but the contract has ${grid.activationHeight} / ${grid.interval}`,
      );
    }
    const contexts = signing.signingContextFor(this.o.babylonChainId, this.o.contractAddress);
    this.voteContext = contexts.finalityVote;
    this.commitContext = contexts.randCommit;

    // A commitment may have landed while we were down (or before a crash let us record it).
    const last = await this.d.contract.lastPubRandCommit(this.pk);
    if (last !== null) this.adopt(last);

    const contractHighest = await this.d.contract.highestVotedHeight(this.pk);
    const ownHighest = this.d.guard.highestHeight();
    // Signed but perhaps never confirmed (a crash between recording and broadcasting, or before the
    // confirmation arrived): these get the identical signature again; the contract's duplicate error
    // then means it already had them.
    this.toResend = this.d.guard.heightsAbove(contractHighest ?? -1n).filter((h) => isCheckedHeight(h, grid));
    this.lastVoted = contractHighest;
    let resume = nextCheckedHeight(this.o.startHeight, grid);
    for (const h of [ownHighest, contractHighest]) {
      if (h !== null && h + 1n > resume) resume = nextCheckedHeight(h + 1n, grid);
    }
    this.next = resume;
    const tip = await this.d.l2.latestHeight(this.o.l2Tag);
    if (tip >= resume) this.catchUp = { from: resume, to: tip };
    this.d.logger.info(
      {
        fp: this.pk,
        resumeHeight: resume.toString(),
        contractHighestVoted: contractHighest?.toString() ?? null,
        journalHighest: ownHighest?.toString() ?? null,
        toResend: this.toResend.length,
        l2Tip: tip.toString(),
      },
      this.catchUp === null
        ? "voter initialised"
        : `voter initialised; catching up on ${(tip - resume) / grid.interval + 1n} checked heights already behind the tip`,
    );
    this.updateGauges();
  }

  status(): VoterStatus {
    return {
      nextHeight: this.next,
      lastVotedHeight: this.lastVoted,
      toResend: [...this.toResend],
      missed: [...this.missed],
      missedTotal: this.missedTotal,
      catchUp: this.catchUp,
      randomnessCommittedThrough: this.d.store.committedThrough(),
      consecutiveFailures: this.failures,
    };
  }

  /** Runs ticks until stop() is called. Throws only for conditions that must stop the provider. */
  async run(): Promise<void> {
    if (this.cfg === null) await this.init();
    while (!this.stopped) {
      let delay = this.o.pollIntervalMs;
      try {
        await this.tick();
        this.failures = 0;
      } catch (err) {
        const kind = classifyError(err);
        this.countError(err, kind);
        if (kind === "slashed") throw new SlashedError(errorText(err));
        if (kind === "guard") throw err;
        this.failures++;
        delay = this.backoffMs();
        this.d.logger.warn(
          { kind, err: errorText(err), retryInMs: delay, failures: this.failures },
          "tick failed",
        );
      }
      if (!this.stopped) await this.interruptibleSleep(delay);
    }
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  private async interruptibleSleep(ms: number): Promise<void> {
    await Promise.race([this.sleep(ms), new Promise<void>((r) => (this.wake = r))]);
    this.wake = null;
  }

  /** The project's backoff (equal jitter on a doubling delay, capped), in whole milliseconds. */
  backoffMs(): number {
    return Math.round(
      backoffDelay(this.failures, {
        initialMs: this.o.backoffBaseMs,
        maxMs: this.o.backoffMaxMs,
        random: this.random,
      }),
    );
  }

  /** One pass: randomness upkeep, re-sends, then new checked heights up to the tip. */
  async tick(): Promise<void> {
    if (this.cfg === null || this.grid === null) throw new Error("Voter.init() must run before tick()");
    const grid = this.grid;
    const tip = await this.wrap("l2", () => this.d.l2.latestHeight(this.o.l2Tag));
    await this.upkeepRandomness(tip);

    const heights: bigint[] = [...this.toResend];
    for (let h = this.next; h <= tip && heights.length < this.o.maxHeightsPerTick; h += grid.interval)
      heights.push(h);
    if (heights.length === 0) {
      this.updateGauges();
      return;
    }

    const power = await this.wrap("babylon", () => this.d.babylon.hasVotingPower(this.pk));
    const finalizedEpoch = await this.wrap("babylon", () => this.d.babylon.lastFinalizedEpoch());
    const maxPerTx = Math.max(
      1,
      Math.min(this.o.maxVotesPerTx, this.cfg.rate_limiting.max_msgs_per_interval),
    );
    let batch: FinalityVote[] = [];

    for (const h of heights) {
      const resend = this.toResend.includes(h);
      if (!power) {
        this.skip(h, "no-voting-power", resend);
        continue;
      }
      const rand = await this.randomnessFor(h);
      if (rand === null) {
        this.skip(h, "no-randomness", resend);
        continue;
      }
      if (rand.epoch === null || rand.epoch > finalizedEpoch) {
        // Not BTC-timestamped yet; it will be, so wait here rather than skip (logged once per height).
        if (this.waitingAt === h) break;
        this.waitingAt = h;
        this.d.logger.info(
          {
            height: h.toString(),
            commitEpoch: rand.epoch?.toString() ?? null,
            finalizedEpoch: finalizedEpoch.toString(),
          },
          "randomness for this height is not BTC-timestamped yet; waiting",
        );
        break;
      }
      const block = await this.wrap("l2", () => this.d.l2.blockAt(h));
      const vote = this.signIfSafe(block, rand.pubRand, rand.proof);
      if (vote === null) {
        this.skip(
          h,
          this.d.guard.check(h, block.hash) === "pruned" ? "below-journal-floor" : "reorg-conflict",
          resend,
        );
        continue;
      }
      batch.push(vote);
      if (batch.length >= maxPerTx) {
        await this.send(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await this.send(batch);
    this.maybeCompact();
    this.updateGauges();
  }

  /** Signs only if the guard allows; records the pair durably before the signature can leave. */
  private signIfSafe(block: L2Block, pubRand: Uint8Array, proof: Proof): FinalityVote | null {
    const verdict = this.d.guard.check(block.height, block.hash);
    if (verdict === "conflict") {
      this.d.metrics.doubleSignRefusals.inc();
      this.d.logger.error(
        {
          critical: true,
          event: "double-sign-refused",
          height: block.height.toString(),
          blockHash: Buffer.from(block.hash).toString("hex"),
          signedHash: Buffer.from(this.d.guard.signedHashAt(block.height) ?? []).toString("hex"),
        },
        "CRITICAL: L2 reorg at an already signed height; refusing to sign the new block (staying silent at this height)",
      );
      return null;
    }
    if (verdict === "pruned") return null;
    const pair = deriveRandomness(this.o.secretKey, this.o.bsnId, block.height);
    if (!bytesEqual(pair.pubRand, pubRand)) {
      throw new Error(`committed randomness at height ${block.height} does not match this key and BSN id`);
    }
    const vote = signing.signVote(
      this.o.secretKey,
      { height: block.height, blockHash: block.hash, privRand: pair.privRand, pubRand, proof },
      this.voteContext,
    );
    pair.privRand.fill(0);
    return vote;
  }

  private async send(batch: FinalityVote[]): Promise<void> {
    // Durable before anything is broadcast; one fsync for the batch.
    this.d.guard.recordMany(batch.map((v) => ({ height: v.height, hash: v.blockHash })));
    let remaining = batch;
    while (remaining.length > 0) {
      this.d.metrics.votesSent.inc(remaining.length);
      try {
        await this.d.contract.submitFinalitySignatures(remaining);
        this.confirmed(remaining);
        return;
      } catch (err) {
        const m = DUPLICATE_RE.exec(errorText(err));
        if (m === null) {
          this.countError(err, classifyError(err) === "internal" ? "submit" : classifyError(err));
          this.resendLater(remaining);
          throw err;
        }
        // The transaction reverted because the contract already has one of these votes (we sent it before
        // a crash or a lost response). That vote is confirmed; the rest go again without it.
        const dup = BigInt(m[1]!);
        const done = remaining.filter((v) => v.height === dup);
        if (done.length === 0) {
          this.countError(err, "submit");
          this.resendLater(remaining);
          throw err;
        }
        this.confirmed(done);
        remaining = remaining.filter((v) => v.height !== dup);
      }
    }
  }

  /** Signed and journalled but not confirmed: these heights go first in the next tick. */
  private resendLater(votes: FinalityVote[]): void {
    const interval = this.grid?.interval ?? 1n;
    const set = new Set(this.toResend);
    for (const v of votes) {
      set.add(v.height);
      if (v.height >= this.next) this.next = v.height + interval;
    }
    this.toResend = [...set].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  private countError(err: unknown, kind: ErrorKind): void {
    if (typeof err === "object" && err !== null) {
      if (this.counted.has(err)) return;
      this.counted.add(err);
    }
    this.d.metrics.errors.inc({ kind });
  }

  private confirmed(votes: FinalityVote[]): void {
    for (const v of votes) {
      if (this.lastVoted === null || v.height > this.lastVoted) this.lastVoted = v.height;
      if (v.height >= this.next) this.next = v.height + (this.grid?.interval ?? 1n);
      this.toResend = this.toResend.filter((h) => h !== v.height);
    }
    this.d.metrics.votesConfirmed.inc(votes.length);
    this.d.logger.info(
      { heights: votes.map((v) => v.height.toString()), lastVoted: this.lastVoted?.toString() ?? null },
      "votes confirmed",
    );
  }

  private skip(h: bigint, reason: MissedReason, resend: boolean): void {
    if (resend) this.toResend = this.toResend.filter((x) => x !== h);
    else if (h >= this.next) this.next = h + (this.grid?.interval ?? 1n);
    this.missed.push({ height: h, reason });
    if (this.missed.length > MISSED_KEEP) this.missed.shift();
    this.missedTotal++;
    this.d.metrics.missedHeights.inc({ reason });
    this.d.logger.warn({ height: h.toString(), reason }, "missed a checked height");
  }

  private async randomnessFor(
    h: bigint,
  ): Promise<{ pubRand: Uint8Array; proof: Proof; epoch: bigint | null } | null> {
    let rp = this.d.store.proofFor(h);
    if (rp === null || rp.commit.babylonEpoch === undefined) {
      // Unknown locally (a fresh home) or committed without our seeing its epoch: ask the contract.
      const onChain = await this.wrap("contract-query", () =>
        this.d.contract.pubRandCommitForHeight(this.pk, h),
      );
      if (onChain === null) return null;
      this.adopt(onChain);
      rp = this.d.store.proofFor(h);
      if (rp === null) return null;
    }
    if (rp.commit.babylonEpoch === undefined) return { pubRand: rp.pubRand, proof: rp.proof, epoch: null };
    return { pubRand: rp.pubRand, proof: rp.proof, epoch: rp.commit.babylonEpoch ?? null };
  }

  private adopt(c: PubRandCommit): void {
    this.d.store.adopt({
      startHeight: c.start_height,
      numPubRand: c.num_pub_rand,
      interval: c.interval,
      commitment: c.commitment,
      babylonEpoch: c.babylon_epoch,
    });
  }

  /**
   * A failed commitment must not stop votes that already have randomness, so its errors are logged and
   * retried on a backoff of their own (counted in ticks) instead of failing the tick. Slashing still stops.
   */
  private async upkeepRandomness(tip: bigint): Promise<void> {
    if (this.commitPauseTicks > 0) {
      this.commitPauseTicks--;
      return;
    }
    try {
      await this.commitRandomnessIfNeeded(tip);
      this.commitFailures = 0;
    } catch (err) {
      if (classifyError(err) === "slashed") throw err;
      this.countError(err, "commit");
      this.commitFailures++;
      this.commitPauseTicks = Math.min(60, 2 ** (this.commitFailures - 1));
      this.d.logger.warn(
        { err: errorText(err), failures: this.commitFailures, retryInTicks: this.commitPauseTicks },
        "committing public randomness failed",
      );
    }
  }

  private async commitRandomnessIfNeeded(tip: bigint): Promise<void> {
    const cfg = this.cfg!;
    const start = this.d.store.needsCommit(tip + this.o.timestampingDelay, this.o.randomnessLookAhead);
    if (start === null) return;
    // biome-ignore lint/complexity/useMathMinMax: bigint operands; Math.max does not take bigint
    const num = this.o.randomnessBatch > cfg.min_pub_rand ? this.o.randomnessBatch : cfg.min_pub_rand;
    const prepared = this.d.store.prepare(start, num);
    const request = signing.signCommit(this.o.secretKey, start, num, prepared.commitment, this.commitContext);
    let txHash: string | undefined;
    try {
      ({ txHash } = await this.d.contract.commitPublicRandomness(request));
    } catch (err) {
      // The transaction may have landed although we saw an error (timeout, lost response).
      const last = await this.wrap("contract-query", () => this.d.contract.lastPubRandCommit(this.pk));
      if (last === null || last.start_height !== start || !bytesEqual(last.commitment, prepared.commitment)) {
        this.countError(err, classifyError(err) === "internal" ? "commit" : classifyError(err));
        throw err;
      }
    }
    const onChain = await this.wrap("contract-query", () => this.d.contract.lastPubRandCommit(this.pk));
    const epoch = onChain !== null && onChain.start_height === start ? onChain.babylon_epoch : undefined;
    this.d.store.confirm(start, {
      ...(txHash === undefined ? {} : { babylonTxHash: txHash }),
      ...(epoch === undefined ? {} : { babylonEpoch: epoch }),
    });
    this.d.metrics.randomnessCommitted.inc(Number(num));
    this.d.logger.info(
      {
        startHeight: start.toString(),
        numPubRand: num.toString(),
        interval: prepared.interval.toString(),
        txHash,
        epoch: epoch?.toString(),
      },
      "public randomness committed",
    );
  }

  private maybeCompact(): void {
    if (this.d.guard.size <= this.o.journalCompactAt || this.toResend.length > 0) return;
    const floor = this.next - this.o.journalKeep * (this.grid?.interval ?? 1n);
    if (floor > this.d.guard.floor()) this.d.guard.compact(floor);
  }

  private updateGauges(): void {
    if (this.lastVoted !== null) this.d.metrics.lastVotedHeight.set(Number(this.lastVoted));
    const base = this.next - 1n;
    this.d.metrics.randomnessLeft.set(Number(this.d.store.randomnessLeftAbove(base)));
  }

  /** Runs a port call, counting its failure under `kind`. */
  private async wrap<T>(kind: ErrorKind, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      this.countError(err, kind);
      throw err;
    }
  }
}

function orDefault<T>(given: T | undefined, fallback: T): T {
  return given === undefined ? fallback : given;
}
