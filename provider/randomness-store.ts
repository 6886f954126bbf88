// Local record of the provider's public-randomness commitments and the proofs a vote needs.
//
// What is kept on disk, and why: per commitment, its metadata in commits.json and the committed public
// randomness values (32 bytes each) in one binary file. Proofs are rebuilt in memory from those values.
// Measured on the 2-core dev machine (test/provider/randomness-store.test.ts prints it): deriving a value
// costs 0.3–0.45 ms (HMAC + a scalar multiplication), so re-deriving a 50 000-value batch at every restart would
// take ~15 s of CPU; storing every proof would take N·(1+log2 N)·32 B ≈ 27 MB per such batch; storing the
// values takes 32 B each (1.6 MB) and all proofs of a batch come back from them by hashing alone (~9 µs a value, 0.5 s
// for 50 000, done once per batch and cached). If the values file is lost, it is re-derived from the key
// and checked against the committed root, which is also what recovery after a lost home does.

import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { bytesEqual, bytesToHex, hexToBytes } from "../src/core/crypto/bytes.ts";
import type { Proof } from "../src/core/crypto/merkle.ts";
import { proofs as merkleProofs, root as merkleRoot } from "../src/core/crypto/merkle.ts";
import { deriveRandomnessList } from "../src/core/crypto/randomness.ts";
import { type FinalityGrid, isCheckedHeight, nextCheckedHeight } from "../src/core/finality/grid.ts";
import { ensurePrivateDir, writeFileAtomic } from "./atomic-file.ts";

export interface StoredCommit {
  startHeight: bigint;
  numPubRand: bigint;
  interval: bigint;
  /** Merkle root of the public randomness values */
  commitment: Uint8Array;
  /** "prepared": values derived and stored but not yet known to be on chain */
  status: "prepared" | "confirmed";
  babylonTxHash?: string;
  babylonEpoch?: bigint;
}

export interface RandomnessProof {
  height: bigint;
  pubRand: Uint8Array;
  proof: Proof;
  commit: StoredCommit;
}

export interface RandomnessStoreOptions {
  dir: string;
  secretKey: Uint8Array;
  /** the BSN id the randomness is derived with (not the Babylon chain id) */
  chainId: string;
  grid: FinalityGrid;
}

interface CommitJson {
  startHeight: string;
  numPubRand: string;
  interval: string;
  commitment: string;
  status: "prepared" | "confirmed";
  babylonTxHash?: string;
  babylonEpoch?: string;
}

export function commitEnd(c: Pick<StoredCommit, "startHeight" | "numPubRand" | "interval">): bigint {
  return c.startHeight + (c.numPubRand - 1n) * c.interval;
}

function covers(c: StoredCommit, height: bigint): boolean {
  return height >= c.startHeight && height <= commitEnd(c) && (height - c.startHeight) % c.interval === 0n;
}

/** The first checked height at or above x: activation + j·interval. */
/** How many proof sets are kept in memory; votes touch at most the current and the next commitment. */
const PROOF_CACHE_SIZE = 2;

export class RandomnessStore {
  private readonly commits: StoredCommit[] = [];
  private readonly proofCache = new Map<bigint, Proof[]>();
  private readonly valuesCache = new Map<bigint, Uint8Array[]>();

  private constructor(private readonly options: RandomnessStoreOptions) {
    if (options.grid.interval < 1n) throw new RangeError("finality_signature_interval must be ≥ 1");
    ensurePrivateDir(options.dir);
    const path = this.indexPath();
    if (existsSync(path)) {
      const list = JSON.parse(readFileSync(path, "utf8")) as CommitJson[];
      for (const j of list) this.commits.push(fromJson(j));
      this.commits.sort((a, b) => (a.startHeight < b.startHeight ? -1 : 1));
    }
  }

  static open(options: RandomnessStoreOptions): RandomnessStore {
    return new RandomnessStore(options);
  }

  /** The recorded commitments, read without a key (for `provider status`). */
  static inspect(dir: string): StoredCommit[] {
    const path = join(dir, "commits.json");
    if (!existsSync(path)) return [];
    return (JSON.parse(readFileSync(path, "utf8")) as CommitJson[]).map(fromJson);
  }

  get grid(): FinalityGrid {
    return this.options.grid;
  }

  private indexPath(): string {
    return join(this.options.dir, "commits.json");
  }

  private valuesPath(start: bigint): string {
    return join(this.options.dir, `pubrand-${start}.bin`);
  }

  private save(): void {
    writeFileAtomic(this.indexPath(), `${JSON.stringify(this.commits.map(toJson), null, 1)}\n`);
  }

  list(): readonly StoredCommit[] {
    return this.commits;
  }

  /** End height of the last confirmed commitment, or null if none is confirmed. */
  committedThrough(): bigint | null {
    let end: bigint | null = null;
    for (const c of this.commits)
      if (c.status === "confirmed" && (end === null || commitEnd(c) > end)) end = commitEnd(c);
    return end;
  }

  /** Checked heights with confirmed randomness strictly above `height`. */
  randomnessLeftAbove(height: bigint): bigint {
    let left = 0n;
    for (const c of this.commits) {
      if (c.status !== "confirmed") continue;
      const end = commitEnd(c);
      if (end <= height) continue;
      const from =
        height < c.startHeight
          ? c.startHeight
          : c.startHeight + ((height - c.startHeight) / c.interval + 1n) * c.interval;
      left += (end - from) / c.interval + 1n;
    }
    return left;
  }

  /**
   * Where the next commitment should start so that randomness stays committed from `targetHeight` (the
   * L2 tip plus the BTC-timestamping wait) through `lookAhead` more heights; null if enough is committed.
   * Starts are always on the checked-height grid and never overlap what is committed
   * (the contract requires start ≥ last end + interval).
   */
  needsCommit(targetHeight: bigint, lookAhead: bigint): bigint | null {
    const grid = this.options.grid;
    const target = nextCheckedHeight(targetHeight, grid);
    const lastEnd = this.committedThrough();
    if (lastEnd === null) return target;
    // Behind the target: heights before it could not be BTC-timestamped in time, so restart at the target
    // (both are on the grid, so the target is at least lastEnd + interval and cannot overlap).
    if (lastEnd < target) return target;
    if (lastEnd < target + lookAhead) return lastEnd + grid.interval;
    return null;
  }

  /**
   * Derives the values for a new commitment, stores them durably, and records the commitment as prepared.
   * Runs before the commit transaction is sent, so the proofs exist for every commitment that can land.
   */
  prepare(startHeight: bigint, numPubRand: bigint): StoredCommit {
    const interval = this.options.grid.interval;
    if (numPubRand < 1n) throw new RangeError(`num_pub_rand must be ≥ 1, got ${numPubRand}`);
    if (!isCheckedHeight(startHeight, this.options.grid)) {
      throw new RangeError(`start height ${startHeight} is not on the checked-height grid`);
    }
    const lastEnd = this.committedThrough();
    if (lastEnd !== null && startHeight < lastEnd + interval) {
      throw new RangeError(`start height ${startHeight} overlaps committed randomness ending at ${lastEnd}`);
    }
    // At most one commitment is in flight: an older prepared one that never landed is superseded.
    for (const stale of this.commits.filter(
      (c) => c.status === "prepared" && c.startHeight !== startHeight,
    )) {
      this.commits.splice(this.commits.indexOf(stale), 1);
      this.valuesCache.delete(stale.startHeight);
      this.proofCache.delete(stale.startHeight);
      rmSync(this.valuesPath(stale.startHeight), { force: true });
    }
    const values = this.derive(startHeight, numPubRand, interval);
    writeFileAtomic(this.valuesPath(startHeight), Buffer.concat(values));
    const commit: StoredCommit = {
      startHeight,
      numPubRand,
      interval,
      commitment: merkleRoot(values),
      status: "prepared",
    };
    this.replace(commit);
    this.valuesCache.set(startHeight, values);
    this.save();
    return commit;
  }

  /** Marks a prepared commitment as on chain. */
  confirm(startHeight: bigint, info: { babylonTxHash?: string; babylonEpoch?: bigint } = {}): StoredCommit {
    const c = this.commits.find((x) => x.startHeight === startHeight);
    if (c === undefined) throw new Error(`no prepared randomness commitment starts at ${startHeight}`);
    c.status = "confirmed";
    if (info.babylonTxHash !== undefined) c.babylonTxHash = info.babylonTxHash;
    if (info.babylonEpoch !== undefined) c.babylonEpoch = info.babylonEpoch;
    this.save();
    return c;
  }

  /**
   * Records a commitment read from the contract (after a restart, or on a fresh home for a key that
   * already committed). The values come from disk if present, else are re-derived; either way they must
   * hash to the on-chain root, which also catches a wrong key or BSN id.
   */
  adopt(onChain: {
    startHeight: bigint;
    numPubRand: bigint;
    interval: bigint;
    commitment: Uint8Array;
    babylonEpoch?: bigint;
  }): StoredCommit {
    const known = this.commits.find((x) => x.startHeight === onChain.startHeight);
    if (
      known !== undefined &&
      bytesEqual(known.commitment, onChain.commitment) &&
      known.numPubRand === onChain.numPubRand
    ) {
      known.status = "confirmed";
      if (onChain.babylonEpoch !== undefined) known.babylonEpoch = onChain.babylonEpoch;
      this.save();
      return known;
    }
    const values = this.derive(onChain.startHeight, onChain.numPubRand, onChain.interval);
    if (!bytesEqual(merkleRoot(values), onChain.commitment)) {
      throw new Error(
        `the on-chain randomness commitment at ${onChain.startHeight} was not made with this key and BSN id ` +
          `"${this.options.chainId}"; refusing to vote with it`,
      );
    }
    writeFileAtomic(this.valuesPath(onChain.startHeight), Buffer.concat(values));
    const commit: StoredCommit = {
      ...onChain,
      commitment: Uint8Array.from(onChain.commitment),
      status: "confirmed",
    };
    this.replace(commit);
    this.valuesCache.set(commit.startHeight, values);
    this.proofCache.delete(commit.startHeight);
    this.save();
    return commit;
  }

  /** The confirmed commitment covering `height`, if any. */
  commitFor(height: bigint): StoredCommit | undefined {
    return this.commits.find((c) => c.status === "confirmed" && covers(c, height));
  }

  /** Public randomness and inclusion proof for a vote at `height`, or null if no confirmed commitment covers it. */
  proofFor(height: bigint): RandomnessProof | null {
    const commit = this.commitFor(height);
    if (commit === undefined) return null;
    const index = Number((height - commit.startHeight) / commit.interval);
    const values = this.values(commit);
    const proofs = this.proofs(commit, values);
    return { height, pubRand: values[index]!, proof: proofs[index]!, commit };
  }

  private replace(commit: StoredCommit): void {
    const i = this.commits.findIndex((x) => x.startHeight === commit.startHeight);
    if (i >= 0) this.commits[i] = commit;
    else this.commits.push(commit);
    this.commits.sort((a, b) => (a.startHeight < b.startHeight ? -1 : 1));
    this.proofCache.delete(commit.startHeight);
  }

  private derive(start: bigint, num: bigint, interval: bigint): Uint8Array[] {
    return deriveRandomnessList(this.options.secretKey, this.options.chainId, start, Number(num), interval)
      .pubRands;
  }

  private values(commit: StoredCommit): Uint8Array[] {
    const cached = this.valuesCache.get(commit.startHeight);
    if (cached !== undefined) return cached;
    let values: Uint8Array[] | null = null;
    const path = this.valuesPath(commit.startHeight);
    if (existsSync(path)) {
      const bytes = readFileSync(path);
      if (bytes.length === Number(commit.numPubRand) * 32) {
        values = [];
        for (let i = 0; i < bytes.length; i += 32) values.push(new Uint8Array(bytes.subarray(i, i + 32)));
        if (!bytesEqual(merkleRoot(values), commit.commitment)) values = null;
      }
    }
    if (values === null) {
      // Lost or damaged file: the values are a pure function of the key, so derive them again.
      values = this.derive(commit.startHeight, commit.numPubRand, commit.interval);
      if (!bytesEqual(merkleRoot(values), commit.commitment)) {
        throw new Error(`randomness commitment at ${commit.startHeight} does not match this key and BSN id`);
      }
      writeFileAtomic(path, Buffer.concat(values));
    }
    this.remember(this.valuesCache, commit.startHeight, values);
    return values;
  }

  private proofs(commit: StoredCommit, values: Uint8Array[]): Proof[] {
    const cached = this.proofCache.get(commit.startHeight);
    if (cached !== undefined) return cached;
    const built = merkleProofs(values);
    this.remember(this.proofCache, commit.startHeight, built);
    return built;
  }

  private remember<T>(cache: Map<bigint, T>, key: bigint, value: T): void {
    cache.delete(key);
    cache.set(key, value);
    while (cache.size > PROOF_CACHE_SIZE) cache.delete(cache.keys().next().value as bigint);
  }
}

function toJson(c: StoredCommit): CommitJson {
  return {
    startHeight: c.startHeight.toString(),
    numPubRand: c.numPubRand.toString(),
    interval: c.interval.toString(),
    commitment: bytesToHex(c.commitment),
    status: c.status,
    ...(c.babylonTxHash === undefined ? {} : { babylonTxHash: c.babylonTxHash }),
    ...(c.babylonEpoch === undefined ? {} : { babylonEpoch: c.babylonEpoch.toString() }),
  };
}

function fromJson(j: CommitJson): StoredCommit {
  return {
    startHeight: BigInt(j.startHeight),
    numPubRand: BigInt(j.numPubRand),
    interval: BigInt(j.interval),
    commitment: hexToBytes(j.commitment),
    status: j.status,
    ...(j.babylonTxHash === undefined ? {} : { babylonTxHash: j.babylonTxHash }),
    ...(j.babylonEpoch === undefined ? {} : { babylonEpoch: BigInt(j.babylonEpoch) }),
  };
}
