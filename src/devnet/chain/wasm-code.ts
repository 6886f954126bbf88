// Stored code: what MsgStoreCode accepts and how it is prepared to run. As wasmd does, the upload may be
// gzip-compressed, the checksum is the sha256 of the uncompressed bytes, and the module must be a CosmWasm
// contract (interface_version_8, allocate/deallocate, one memory of its own, known imports, no capability
// the chain lacks). Before compiling, the memory's maximum is capped (wasmd's 32 MiB contract memory limit),
// so a contract that grows memory without bound gets a failed allocation instead of the host's memory.
import { gunzipSync } from "node:zlib";
import { sha256 } from "../../core/crypto/sha256.ts";
import { AbciError } from "./module.ts";
import { CALL_FUEL, InstrumentError, instrument, leb } from "./wasm-instrument.ts";

/** What the devnet's host offers (wasmd's built-ins it implements, plus Babylon's bindings). */
export const CAPABILITIES: ReadonlySet<string> = new Set([
  "iterator",
  "staking",
  "stargate",
  "babylon",
  "cosmwasm_1_1",
  "cosmwasm_1_2",
  "cosmwasm_1_3",
  "cosmwasm_1_4",
  "cosmwasm_2_0",
]);

/** wasmd's default `ContractMemoryLimit`: 32 MiB = 512 pages of 64 KiB. */
export const MEMORY_LIMIT_PAGES = 512;
/** wasmd `MaxWasmSize` default: 800 KiB of (uncompressed) code. */
export const MAX_WASM_SIZE = 819_200;

/** The env imports a CosmWasm 1.x/2.x contract may use. */
export const KNOWN_IMPORTS: ReadonlySet<string> = new Set([
  "db_read",
  "db_write",
  "db_remove",
  "db_scan",
  "db_next",
  "db_next_key",
  "db_next_value",
  "addr_validate",
  "addr_canonicalize",
  "addr_humanize",
  "secp256k1_verify",
  "secp256k1_recover_pubkey",
  "ed25519_verify",
  "ed25519_batch_verify",
  "debug",
  "query_chain",
  "abort",
]);

export interface PreparedCode {
  checksum: Uint8Array;
  /** The uncompressed bytes as uploaded (what `Code` queries return). */
  original: Uint8Array;
  /** Compiled from the bytes with memory capped and fuel checks added (wasm-instrument.ts). */
  module: WebAssembly.Module;
  /** Exports of the mutable globals an instance is reset to between calls. */
  globals: string[];
  /** Whether an instance, reset, may serve another call. */
  reusable: boolean;
  entryPoints: ReadonlySet<string>;
  /** The `cw_migrate_version` custom section (cosmwasm 2.2's `#[migrate_version]`), when the code has one. */
  migrateVersion: bigint | undefined;
}

function createFailed(reason: string): AbciError {
  return new AbciError("wasm", 2, `Error calling the VM: ${reason}: create wasm contract failed`);
}

function validationFailed(reason: string): AbciError {
  return createFailed(`Error during static Wasm validation: ${reason}`);
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x1f && bytes[1] === 0x8b && bytes[2] === 0x08;
}

export function uncompress(upload: Uint8Array): Uint8Array {
  if (!isGzip(upload)) return upload;
  try {
    return new Uint8Array(gunzipSync(upload, { maxOutputLength: MAX_WASM_SIZE + 1 }));
  } catch (e) {
    throw new AbciError("wasm", 3, `uncompress wasm archive: ${(e as Error).message}: invalid`);
  }
}

function readLeb(bytes: Uint8Array, at: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  let i = at;
  for (;;) {
    const b = bytes[i++];
    if (b === undefined) throw new Error("truncated LEB128");
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return { value, next: i };
    shift += 7;
    if (shift > 35) throw new Error("LEB128 too long");
  }
}

/**
 * Rewrites the memory section so every memory's maximum is at most `MEMORY_LIMIT_PAGES`; refuses memories
 * whose minimum is above it, 64-bit or shared memories.
 */
export function capMemory(wasm: Uint8Array): Uint8Array {
  if (wasm.length < 8 || wasm[0] !== 0 || wasm[1] !== 0x61 || wasm[2] !== 0x73 || wasm[3] !== 0x6d) {
    throw validationFailed(
      "Wasm bytecode could not be deserialized. Deserialization error: not a wasm module",
    );
  }
  const parts: Uint8Array[] = [wasm.subarray(0, 8)];
  let at = 8;
  while (at < wasm.length) {
    const id = wasm[at]!;
    const size = readLeb(wasm, at + 1);
    const end = size.next + size.value;
    if (end > wasm.length)
      throw validationFailed("Wasm bytecode could not be deserialized: truncated section");
    if (id !== 5) {
      parts.push(wasm.subarray(at, end));
      at = end;
      continue;
    }
    const count = readLeb(wasm, size.next);
    let p = count.next;
    const body: number[] = [...leb(count.value)];
    for (let m = 0; m < count.value; m++) {
      const flags = wasm[p++]!;
      if (flags > 1) throw validationFailed("Wasm contract memory must be 32-bit and not shared");
      const min = readLeb(wasm, p);
      p = min.next;
      let max = MEMORY_LIMIT_PAGES;
      if (flags === 1) {
        const declared = readLeb(wasm, p);
        p = declared.next;
        max = Math.min(max, declared.value);
      }
      if (min.value > MEMORY_LIMIT_PAGES) {
        throw validationFailed(
          `Wasm contract memory's minimum must not exceed ${MEMORY_LIMIT_PAGES} pages, got ${min.value}`,
        );
      }
      body.push(1, ...leb(min.value), ...leb(max));
    }
    parts.push(Uint8Array.from([5, ...leb(body.length), ...body]));
    at = end;
  }
  return Buffer.concat(parts);
}

/** Validates an upload (compressed or not) as a CosmWasm contract and compiles it. */
export function prepareCode(upload: Uint8Array): PreparedCode {
  const original = uncompress(upload);
  if (original.length === 0) throw new AbciError("wasm", 12, "empty wasm code: empty");
  if (original.length > MAX_WASM_SIZE) {
    throw new AbciError("wasm", 3, `cannot be longer than ${MAX_WASM_SIZE} bytes: invalid`);
  }
  return { ...compileCode(original), checksum: sha256(original), original };
}

/** Compiles already-validated bytes (a stored code after a restart). */
export function compileCode(original: Uint8Array): Omit<PreparedCode, "checksum" | "original"> {
  let module: WebAssembly.Module;
  let instrumented: ReturnType<typeof instrument>;
  try {
    const capped = new Uint8Array(capMemory(original));
    try {
      instrumented = instrument(capped, CALL_FUEL);
      module = new WebAssembly.Module(instrumented.bytes);
    } catch (e) {
      // Invalid code fails here in the compiler, with its own message, rather than in the instrumenter.
      new WebAssembly.Module(capped);
      throw e;
    }
  } catch (e) {
    if (e instanceof AbciError) throw e;
    throw validationFailed(
      e instanceof InstrumentError
        ? `Wasm contract uses what the devnet does not run: ${e.message}`
        : `Wasm bytecode could not be deserialized. Deserialization error: "${(e as Error).message}"`,
    );
  }
  const exports = WebAssembly.Module.exports(module);
  const names = new Set(exports.map((e) => e.name));
  if (!names.has("interface_version_8")) {
    throw validationFailed(
      names.has("cosmwasm_vm_version_4") || [...names].some((n) => n.startsWith("interface_version_"))
        ? "Wasm contract has unknown interface_version_* marker export (see https://github.com/CosmWasm/cosmwasm/blob/main/packages/vm/README.md)"
        : "Wasm contract missing a required marker export: interface_version_*",
    );
  }
  for (const required of ["allocate", "deallocate"]) {
    if (!names.has(required)) {
      throw validationFailed(
        `Wasm contract doesn't have required export: "${required}". Exports required by VM: ["allocate", "deallocate"].`,
      );
    }
  }
  const memories = exports.filter((e) => e.kind === "memory");
  if (memories.length !== 1) throw validationFailed("Wasm contract must contain exactly one memory");
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.kind === "memory") throw validationFailed("Wasm contract must not import memory");
    if (imp.module !== "env" || !KNOWN_IMPORTS.has(imp.name)) {
      throw validationFailed(
        `Wasm contract requires unsupported import: "${imp.module}.${imp.name}". Required imports: {${[...KNOWN_IMPORTS].map((n) => `"env.${n}"`).join(", ")}}. Available imports: {${[...KNOWN_IMPORTS].map((n) => `"env.${n}"`).join(", ")}}.`,
      );
    }
  }
  const required = [...names]
    .filter((n) => n.startsWith("requires_"))
    .map((n) => n.slice("requires_".length))
    .sort();
  const missing = required.filter((c) => !CAPABILITIES.has(c));
  if (missing.length > 0) {
    throw validationFailed(
      `Wasm contract requires unavailable capabilities: {${missing.map((c) => JSON.stringify(c)).join(", ")}}`,
    );
  }
  const entryPoints = new Set(
    ["instantiate", "execute", "query", "migrate", "reply", "sudo"].filter((n) =>
      exports.some((e) => e.name === n && e.kind === "function"),
    ),
  );
  return {
    module,
    globals: instrumented.globals,
    reusable: instrumented.reusable,
    entryPoints,
    migrateVersion: migrateVersionOf(module),
  };
}

/** As cosmwasm-vm reads it: the section's text as a u64, ignored when it is not one. */
function migrateVersionOf(module: WebAssembly.Module): bigint | undefined {
  const [section] = WebAssembly.Module.customSections(module, "cw_migrate_version");
  if (!section) return undefined;
  const text = new TextDecoder().decode(section);
  return /^\d{1,20}$/.test(text) && BigInt(text) < 2n ** 64n ? BigInt(text) : undefined;
}
