// The double-sign guard. EOTS randomness is a deterministic function of (key, BSN id, height), so two
// signatures over different blocks at one height reveal the provider's secret key and get its BTC stake
// slashed. Before any vote leaves the process its (height, block hash) is appended to this journal and
// fsync'd; a later request for a different hash at a journalled height is refused.
//
// Journal layout: a header record, then one record per signed height. Every record is
//   kind u8 | payload length u32 BE | payload | crc32(kind ‖ length ‖ payload) u32 BE
// so a write torn by a crash is recognised on load and dropped, and nothing before it is lost. The header
// (written only by atomic whole-file rewrites) binds the journal to one namespace — the key, BSN id and
// signing context — and carries the compaction floor.
import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { ensurePrivateDir, writeFileAtomic } from "./atomic-file.ts";
import { HomeLock } from "./home-lock.ts";

export type GuardVerdict =
  /** nothing signed at this height yet */
  | "new"
  /** this exact hash was signed before: re-sending the identical signature is safe */
  | "same"
  /** a different hash was signed at this height: signing now would equivocate */
  | "conflict"
  /** below the compaction floor: what was signed there is no longer known, so nothing may be signed */
  | "pruned";

export interface GuardEntry {
  height: bigint;
  hash: Uint8Array;
}

export class SignGuardConflictError extends Error {
  constructor(
    readonly height: bigint,
    readonly verdict: "conflict" | "pruned",
  ) {
    super(
      verdict === "conflict"
        ? `refusing to sign height ${height}: a different block hash was already signed at this height`
        : `refusing to sign height ${height}: it is below the sign journal's compaction floor`,
    );
    this.name = "SignGuardConflictError";
  }
}

export class SignGuardCorruptError extends Error {
  constructor(path: string, detail: string) {
    super(`sign journal ${path} is damaged (${detail}); refusing to sign until an operator inspects it`);
    this.name = "SignGuardCorruptError";
  }
}

const KIND_HEADER = 1;
const KIND_VOTE = 2;
const FRAME_BYTES = 1 + 4 + 4;
const MAX_HASH_BYTES = 64;
const MAX_HEADER_PAYLOAD = 4096;
/** The longest vote record; a torn tail longer than this that is not all zero bytes is damage, not a torn write. */
export const MAX_VOTE_RECORD_BYTES = FRAME_BYTES + 8 + MAX_HASH_BYTES;
export const JOURNAL_FILE = "sign-journal.bin";

function frame(kind: number, payload: Uint8Array): Buffer {
  const out = Buffer.alloc(FRAME_BYTES + payload.length);
  out.writeUInt8(kind, 0);
  out.writeUInt32BE(payload.length, 1);
  out.set(payload, 5);
  out.writeUInt32BE(crc32(out.subarray(0, 5 + payload.length)), 5 + payload.length);
  return out;
}

function voteRecord(height: bigint, hash: Uint8Array): Buffer {
  const payload = Buffer.alloc(8 + hash.length);
  payload.writeBigUInt64BE(height, 0);
  payload.set(hash, 8);
  return frame(KIND_VOTE, payload);
}

function headerRecord(namespace: string, floor: bigint): Buffer {
  return frame(
    KIND_HEADER,
    Buffer.from(JSON.stringify({ v: 1, namespace, floor: floor.toString() }), "utf8"),
  );
}

interface ParsedRecord {
  kind: number;
  payload: Buffer;
  end: number;
}

/** The record at `off`, or null if the bytes there are not a complete, intact record. */
function parseRecord(buf: Buffer, off: number): ParsedRecord | null {
  if (buf.length - off < FRAME_BYTES) return null;
  const kind = buf.readUInt8(off);
  const len = buf.readUInt32BE(off + 1);
  const maxLen = kind === KIND_HEADER ? MAX_HEADER_PAYLOAD : kind === KIND_VOTE ? 8 + MAX_HASH_BYTES : -1;
  if (len > maxLen || (kind === KIND_VOTE && len <= 8)) return null;
  const end = off + 5 + len + 4;
  if (end > buf.length) return null;
  if (crc32(buf.subarray(off, off + 5 + len)) !== buf.readUInt32BE(off + 5 + len)) return null;
  return { kind, payload: buf.subarray(off + 5, off + 5 + len), end };
}

function validateEntry(height: bigint, hash: Uint8Array): void {
  if (height < 0n || height >= 1n << 64n) throw new RangeError(`height ${height} is not a uint64`);
  if (hash.length === 0 || hash.length > MAX_HASH_BYTES) {
    throw new RangeError(
      `block hash at height ${height} has ${hash.length} bytes; expected 1..${MAX_HASH_BYTES}`,
    );
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

interface ParsedJournal {
  namespace: string;
  floor: bigint;
  entries: [bigint, Uint8Array][];
  validLength: number;
  tornBytes: number;
}

function parseJournal(buf: Buffer, path: string): ParsedJournal {
  const header = parseRecord(buf, 0);
  if (header === null || header.kind !== KIND_HEADER)
    throw new SignGuardCorruptError(path, "no valid header");
  const meta = JSON.parse(header.payload.toString("utf8")) as { v: number; namespace: string; floor: string };
  if (meta.v !== 1) throw new SignGuardCorruptError(path, `unknown journal version ${meta.v}`);
  const entries: [bigint, Uint8Array][] = [];
  let off = header.end;
  while (off < buf.length) {
    const rec = parseRecord(buf, off);
    if (rec === null) break;
    if (rec.kind !== KIND_VOTE) throw new SignGuardCorruptError(path, `unexpected record kind ${rec.kind}`);
    entries.push([rec.payload.readBigUInt64BE(0), Buffer.from(rec.payload.subarray(8))]);
    off = rec.end;
  }
  const tail = buf.subarray(off);
  if (tail.length > MAX_VOTE_RECORD_BYTES && tail.some((b) => b !== 0)) {
    throw new SignGuardCorruptError(path, `${tail.length} unreadable bytes at offset ${off}`);
  }
  return {
    namespace: meta.namespace,
    floor: BigInt(meta.floor),
    entries,
    validLength: off,
    tornBytes: tail.length,
  };
}

export interface JournalSummary {
  namespace: string;
  records: number;
  highest: bigint | null;
  floor: bigint;
  tornBytes: number;
}

/** Reads a journal without locking or repairing it (for `provider status` beside a running daemon). */
export function inspectJournal(dir: string): JournalSummary | null {
  const path = join(dir, JOURNAL_FILE);
  if (!existsSync(path)) return null;
  const p = parseJournal(readFileSync(path), path);
  let highest: bigint | null = null;
  for (const [h] of p.entries) if (highest === null || h > highest) highest = h;
  return {
    namespace: p.namespace,
    records: p.entries.length,
    highest,
    floor: p.floor,
    tornBytes: p.tornBytes,
  };
}

export interface SignGuardOptions {
  /** directory holding the journal and its lock; created with mode 0700 */
  dir: string;
  /** what the journal protects: key, BSN id and signing context. Opening with another namespace fails. */
  namespace: string;
}

export class SignGuard {
  private readonly signed = new Map<bigint, Uint8Array>();
  private highest: bigint | null = null;
  private floorHeight = 0n;
  private fd: number;
  private length: number;
  private broken: Error | null = null;
  /** bytes of a torn final write that were dropped when the journal was opened */
  readonly recoveredTornBytes: number;

  private constructor(
    readonly path: string,
    private readonly namespace: string,
    private readonly lock: HomeLock,
  ) {
    const parsed = parseJournal(readFileSync(path), path);
    if (parsed.namespace !== namespace) {
      throw new Error(
        `sign journal ${path} belongs to "${parsed.namespace}", not "${namespace}": the same key and BSN id ` +
          "must never sign for two signing contexts (their per-height randomness is identical)",
      );
    }
    this.floorHeight = parsed.floor;
    for (const [h, hash] of parsed.entries) this.remember(h, hash);
    this.recoveredTornBytes = parsed.tornBytes;
    this.fd = openSync(path, "r+");
    if (parsed.tornBytes > 0) {
      // Cut the torn tail off so the next append is not preceded by garbage.
      ftruncateSync(this.fd, parsed.validLength);
      fsyncSync(this.fd);
    }
    this.length = parsed.validLength;
  }

  static open(options: SignGuardOptions): SignGuard {
    ensurePrivateDir(options.dir);
    const path = join(options.dir, JOURNAL_FILE);
    const lock = HomeLock.acquire(join(options.dir, "sign-journal.lock"));
    try {
      if (!existsSync(path)) writeFileAtomic(path, headerRecord(options.namespace, 0n));
      return new SignGuard(path, options.namespace, lock);
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  private remember(height: bigint, hash: Uint8Array): void {
    const prior = this.signed.get(height);
    if (prior !== undefined && !sameBytes(prior, hash)) {
      // Only possible if something other than this class wrote the file.
      throw new SignGuardCorruptError(this.path, `two different hashes recorded at height ${height}`);
    }
    this.signed.set(height, hash);
    if (this.highest === null || height > this.highest) this.highest = height;
  }

  check(height: bigint, hash: Uint8Array): GuardVerdict {
    validateEntry(height, hash);
    const prior = this.signed.get(height);
    if (prior !== undefined) return sameBytes(prior, hash) ? "same" : "conflict";
    if (height < this.floorHeight) return "pruned";
    return "new";
  }

  /** Durably records one signed pair; returns only after the record is on disk. */
  record(height: bigint, hash: Uint8Array): void {
    this.recordMany([{ height, hash }]);
  }

  /**
   * Durably records a batch with a single fsync. All-or-nothing with respect to conflicts: if any entry
   * conflicts (with the journal or with another entry of the batch) nothing is written and this throws.
   * Entries already recorded with the same hash are skipped.
   */
  recordMany(entries: readonly GuardEntry[]): void {
    if (this.broken !== null) throw this.broken;
    const fresh = new Map<bigint, Uint8Array>();
    for (const { height, hash } of entries) {
      const verdict = this.check(height, hash);
      if (verdict === "conflict" || verdict === "pruned") throw new SignGuardConflictError(height, verdict);
      const inBatch = fresh.get(height);
      if (inBatch !== undefined && !sameBytes(inBatch, hash))
        throw new SignGuardConflictError(height, "conflict");
      if (verdict === "new") fresh.set(height, Uint8Array.from(hash));
    }
    if (fresh.size === 0) return;
    const bytes = Buffer.concat([...fresh].map(([h, hash]) => voteRecord(h, hash)));
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off, this.length + off);
      fsyncSync(this.fd);
    } catch (err) {
      // Cut a partial append off so the next record does not follow garbage; if even that fails the
      // on-disk state is unknown and the guard stops accepting records.
      try {
        ftruncateSync(this.fd, this.length);
        fsyncSync(this.fd);
      } catch {
        this.broken = new SignGuardCorruptError(this.path, "a failed append could not be rolled back");
      }
      throw err;
    }
    this.length += bytes.length;
    for (const [h, hash] of fresh) this.remember(h, hash);
  }

  signedHashAt(height: bigint): Uint8Array | undefined {
    return this.signed.get(height);
  }

  /** The highest height ever recorded, or null for an empty journal. */
  highestHeight(): bigint | null {
    return this.highest;
  }

  floor(): bigint {
    return this.floorHeight;
  }

  get size(): number {
    return this.signed.size;
  }

  /** Heights recorded above `height`, ascending. */
  heightsAbove(height: bigint): bigint[] {
    return [...this.signed.keys()].filter((h) => h > height).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /**
   * Drops records below `floor` by atomically rewriting the journal. Heights below the floor are refused
   * from then on ("pruned"), so pick a floor the provider will never need to vote at again.
   */
  compact(floor: bigint): void {
    if (this.broken !== null) throw this.broken;
    if (floor <= this.floorHeight) return;
    const kept = [...this.signed]
      .filter(([h]) => h >= floor)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const bytes = Buffer.concat([
      headerRecord(this.namespace, floor),
      ...kept.map(([h, hash]) => voteRecord(h, hash)),
    ]);
    writeFileAtomic(this.path, bytes);
    closeSync(this.fd);
    this.fd = openSync(this.path, "r+");
    this.length = bytes.length;
    this.floorHeight = floor;
    for (const h of [...this.signed.keys()]) if (h < floor) this.signed.delete(h);
  }

  close(): void {
    closeSync(this.fd);
    this.lock.release();
  }
}
