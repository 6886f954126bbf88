// What x/wasm keeps: codes by id, contracts with their storage and history, and how that state is saved and
// loaded with the rest of the devnet's chain state.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { toBase64, toHex } from "@cosmjs/encoding";
import type { ContractCodeHistoryOperationType } from "cosmjs-types/cosmwasm/wasm/v1/types";
import { sha256 } from "../../core/crypto/sha256.ts";
import { compileCode, type PreparedCode } from "./wasm-code.ts";
import { ContractStore, type StorageJournal } from "./wasm-store.ts";

export interface Code {
  id: bigint;
  creator: string;
  prepared: PreparedCode;
}

export interface HistoryEntry {
  operation: ContractCodeHistoryOperationType;
  codeId: bigint;
  height: bigint;
  msg: Uint8Array;
}

export interface ContractEntry {
  address: string;
  codeId: bigint;
  creator: string;
  admin: string;
  label: string;
  createdHeight: bigint;
  store: ContractStore;
  history: HistoryEntry[];
}

export interface Meta {
  nextCodeId: bigint;
  nextInstanceId: bigint;
  codes: Map<bigint, Code>;
  contracts: Map<string, ContractEntry>;
}

/**
 * Code bytes by checksum (hex). Codes never change, so saved state names them by checksum and their bytes
 * are written once, not with every block's state.
 */
export interface CodeBlobs {
  put(checksumHex: string, bytes: Uint8Array): void;
  get(checksumHex: string): Uint8Array | undefined;
}

/** For a chain that is never saved (tests, the contract sandbox). */
export class MemoryCodeBlobs implements CodeBlobs {
  private readonly blobs = new Map<string, Uint8Array>();
  put(checksumHex: string, bytes: Uint8Array): void {
    this.blobs.set(checksumHex, bytes);
  }
  get(checksumHex: string): Uint8Array | undefined {
    return this.blobs.get(checksumHex);
  }
}

/** One `<checksum>.wasm` file per code in `dir`, written atomically the first time the code is stored. */
export class DirCodeBlobs implements CodeBlobs {
  constructor(private readonly dir: string) {}
  put(checksumHex: string, bytes: Uint8Array): void {
    const file = join(this.dir, `${checksumHex}.wasm`);
    if (existsSync(file)) return;
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(`${file}.tmp`, bytes);
    renameSync(`${file}.tmp`, file);
  }
  get(checksumHex: string): Uint8Array | undefined {
    const file = join(this.dir, `${checksumHex}.wasm`);
    return existsSync(file) ? new Uint8Array(readFileSync(file)) : undefined;
  }
}

export function exportWasmState(meta: Meta): unknown {
  return {
    nextCodeId: meta.nextCodeId.toString(),
    nextInstanceId: meta.nextInstanceId.toString(),
    codes: [...meta.codes.values()].map((c) => ({
      id: c.id.toString(),
      creator: c.creator,
      checksum: toHex(c.prepared.checksum),
    })),
    contracts: [...meta.contracts.values()].map((c) => ({
      address: c.address,
      codeId: c.codeId.toString(),
      creator: c.creator,
      admin: c.admin,
      label: c.label,
      createdHeight: c.createdHeight.toString(),
      history: c.history.map((h) => ({
        operation: h.operation,
        codeId: h.codeId.toString(),
        height: h.height.toString(),
        msg: toBase64(h.msg),
      })),
      storage: c.store.entries(),
    })),
  };
}

export function importWasmState(state: unknown, journal: StorageJournal, blobs: CodeBlobs): Meta {
  const s = state as {
    nextCodeId: string;
    nextInstanceId: string;
    codes: { id: string; creator: string; checksum: string }[];
    contracts: {
      address: string;
      codeId: string;
      creator: string;
      admin: string;
      label: string;
      createdHeight: string;
      history: { operation: number; codeId: string; height: string; msg: string }[];
      storage: [string, string][];
    }[];
  };
  const codes = new Map<bigint, Code>();
  for (const c of s.codes) {
    const original = blobs.get(c.checksum);
    if (!original) throw new Error(`wasm state: no bytes stored for code ${c.id} (checksum ${c.checksum})`);
    codes.set(BigInt(c.id), {
      id: BigInt(c.id),
      creator: c.creator,
      prepared: { ...compileCode(original), original, checksum: sha256(original) },
    });
  }
  const contracts = new Map<string, ContractEntry>();
  for (const c of s.contracts) {
    const store = new ContractStore(journal);
    for (const [k, v] of c.storage) store.restoreRaw(k, Uint8Array.from(Buffer.from(v, "hex")));
    contracts.set(c.address, {
      address: c.address,
      codeId: BigInt(c.codeId),
      creator: c.creator,
      admin: c.admin,
      label: c.label,
      createdHeight: BigInt(c.createdHeight),
      store,
      history: c.history.map((h) => ({
        operation: h.operation,
        codeId: BigInt(h.codeId),
        height: BigInt(h.height),
        msg: Uint8Array.from(Buffer.from(h.msg, "base64")),
      })),
    });
  }
  return {
    nextCodeId: BigInt(s.nextCodeId),
    nextInstanceId: BigInt(s.nextInstanceId),
    codes,
    contracts,
  };
}
