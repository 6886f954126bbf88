// The CosmWasm VM on Node's WebAssembly: region-based memory (a Region is {offset, capacity, length} as three
// little-endian u32s), JSON in and out, the env imports backed by a contract store, an address API and a
// querier. Gas is deterministic: a fixed cost per call plus the SDK's KV-store costs for what the contract
// reads and writes, so simulate and delivery agree. Wasm instructions are not charged as gas; the code carries
// fuel checks instead (wasm-instrument.ts), and a call that runs out of fuel fails as out of gas, having
// changed nothing the caller keeps.
//
// Every call sees an instance as instantiated, as in wasmd, but an instance serves more than one call: after a
// call its memory is put back from a snapshot taken at instantiation and its mutable globals (among them the
// memory size the contract sees: wasm-instrument.ts) to their first values, which costs a copy instead of an
// instantiation and spares the collector a new wasm memory per call. Pages a call grew stay, zeroed, for the
// next call to grow into; an instance whose memory grew past REUSE_GROWTH_PAGES is dropped for a fresh one.
import { ed25519 } from "@noble/curves/ed25519.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import type { PreparedCode } from "./wasm-code.ts";
import { CALL_FUEL, FUEL_EXPORT } from "./wasm-instrument.ts";
import type { ContractStore, Order, StoreIterator } from "./wasm-store.ts";

/** SDK gas costs (store/types/gas.go KVGasConfig) and wasmd's per-instance cost. */
export const WASM_GAS = {
  instance: 60_000n,
  perInputByte: 1n,
  readFlat: 1_000n,
  readPerByte: 3n,
  writeFlat: 2_000n,
  writePerByte: 30n,
  delete: 1_000n,
  iterNextFlat: 30n,
  query: 1_000n,
  addr: 100n,
  crypto: 1_000n,
} as const;

/** A call that ran out of fuel (the devnet's stand-in for running out of metered gas). */
export class WasmOutOfGas extends Error {
  constructor(readonly steps: number) {
    super(`contract call took more than ${steps} steps`);
    this.name = "WasmOutOfGas";
  }
}

/** The VM failed to run the contract (trap, abort, bad region, bad import use): wasmd's VM error. */
export class WasmVmError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WasmVmError";
  }
}

export class GasCounter {
  used = 0n;
  charge(amount: bigint): void {
    this.used += amount;
  }
}

export interface AddressApi {
  /** undefined when valid, else the error text. */
  validate(address: string): string | undefined;
  canonicalize(address: string): Uint8Array | string;
  humanize(canonical: Uint8Array): string;
}

export interface VmBackend {
  store: ContractStore;
  /** Queries run read-only: a write is a VM error, as in wasmd. */
  readonly: boolean;
  api: AddressApi;
  /** A `QueryRequest` (JSON) → the `SystemResult<ContractResult<Binary>>` JSON reply. */
  query(request: Uint8Array): Uint8Array;
  gas: GasCounter;
}

const MAX_REGION = 64 * 1024 * 1024;
const decoder = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

function sections(...parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length + 4, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
    view.setUint32(at, p.length, false);
    at += 4;
  }
  return out;
}

function splitSections(data: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let end = data.length;
  while (end > 0) {
    if (end < 4) throw new WasmVmError("invalid section encoding");
    const len = new DataView(data.buffer, data.byteOffset).getUint32(end - 4, false);
    const start = end - 4 - len;
    if (start < 0) throw new WasmVmError("invalid section encoding");
    out.unshift(data.subarray(start, end - 4));
    end = start;
  }
  return out;
}

const PAGE = 65_536;
const REUSE_GROWTH_PAGES = 16;

/** Per code: its memory as instantiated, and an instance put back to it, waiting for the next call. */
const pool = new WeakMap<PreparedCode, { pristine: Uint8Array; idle: Instance | undefined }>();

/** An instance of a contract, serving one call at a time. */
class Instance {
  private readonly exports: WebAssembly.Exports;
  private readonly memory: WebAssembly.Memory;
  private readonly fuel: WebAssembly.Global;
  /** Mutable globals and their values at instantiation. */
  private readonly globals: [WebAssembly.Global, unknown][];
  /** The memory at instantiation, when the code lets an instance be reset. */
  private readonly pristine: Uint8Array | undefined;
  private view = new DataView(new ArrayBuffer(0));
  private bytes = new Uint8Array(0);
  private backend!: VmBackend;
  private iterators: StoreIterator[] = [];

  constructor(code: PreparedCode) {
    const b = () => this.backend;
    const env: Record<string, (...args: number[]) => number | bigint | undefined> = {
      db_read: (keyPtr) => {
        const key = this.inPlace(keyPtr);
        const value = b().store.get(key);
        b().gas.charge(WASM_GAS.readFlat + WASM_GAS.readPerByte * BigInt(key.length + (value?.length ?? 0)));
        return value === undefined ? 0 : this.allocateWith(value);
      },
      db_write: (keyPtr, valuePtr) => {
        this.writable("db_write");
        const key = this.inPlace(keyPtr);
        const value = this.inPlace(valuePtr);
        b().gas.charge(WASM_GAS.writeFlat + WASM_GAS.writePerByte * BigInt(key.length + value.length));
        b().store.set(key, value);
        return undefined;
      },
      db_remove: (keyPtr) => {
        this.writable("db_remove");
        b().gas.charge(WASM_GAS.delete);
        b().store.remove(this.inPlace(keyPtr));
        return undefined;
      },
      db_scan: (startPtr, endPtr, order) => {
        if (order !== 1 && order !== 2) throw new WasmVmError(`invalid iterator order ${order}`);
        const start = startPtr === 0 ? undefined : this.inPlace(startPtr);
        const end = endPtr === 0 ? undefined : this.inPlace(endPtr);
        const o: Order = order === 1 ? "ascending" : "descending";
        this.iterators.push(b().store.iterate(start, end, o));
        return this.iterators.length;
      },
      db_next: (id) => {
        const entry = this.next(id);
        return this.allocateWith(
          entry ? sections(entry[0], entry[1]) : sections(new Uint8Array(), new Uint8Array()),
        );
      },
      db_next_key: (id) => {
        const entry = this.next(id);
        return entry ? this.allocateWith(entry[0]) : 0;
      },
      db_next_value: (id) => {
        const entry = this.next(id);
        return entry ? this.allocateWith(entry[1]) : 0;
      },
      addr_validate: (ptr) => {
        b().gas.charge(WASM_GAS.addr);
        const error = b().api.validate(this.readText(ptr));
        return error === undefined ? 0 : this.allocateWith(encoder.encode(error));
      },
      addr_canonicalize: (ptr, destPtr) => {
        b().gas.charge(WASM_GAS.addr);
        const result = b().api.canonicalize(this.readText(ptr));
        if (typeof result === "string") return this.allocateWith(encoder.encode(result));
        this.writeRegion(destPtr, result);
        return 0;
      },
      addr_humanize: (ptr, destPtr) => {
        b().gas.charge(WASM_GAS.addr);
        this.writeRegion(destPtr, encoder.encode(b().api.humanize(this.read(ptr))));
        return 0;
      },
      secp256k1_verify: (hashPtr, sigPtr, pkPtr) => {
        b().gas.charge(WASM_GAS.crypto);
        try {
          return secp256k1.verify(this.read(sigPtr), this.read(hashPtr), this.read(pkPtr), {
            prehash: false,
            lowS: false,
          })
            ? 0
            : 1;
        } catch {
          return 1;
        }
      },
      secp256k1_recover_pubkey: () => {
        throw new WasmVmError("secp256k1_recover_pubkey is not available on the devnet");
      },
      ed25519_verify: (msgPtr, sigPtr, pkPtr) => {
        b().gas.charge(WASM_GAS.crypto);
        try {
          return ed25519.verify(this.read(sigPtr), this.read(msgPtr), this.read(pkPtr)) ? 0 : 1;
        } catch {
          return 1;
        }
      },
      ed25519_batch_verify: (msgsPtr, sigsPtr, pksPtr) => {
        const msgs = splitSections(this.read(msgsPtr));
        const sigs = splitSections(this.read(sigsPtr));
        const pks = splitSections(this.read(pksPtr));
        b().gas.charge(WASM_GAS.crypto * BigInt(sigs.length));
        const n = sigs.length;
        const msg = (i: number) => (msgs.length === 1 ? msgs[0]! : msgs[i]!);
        const pk = (i: number) => (pks.length === 1 ? pks[0]! : pks[i]!);
        for (let i = 0; i < n; i++) {
          try {
            if (!ed25519.verify(sigs[i]!, msg(i), pk(i))) return 1;
          } catch {
            return 1;
          }
        }
        return 0;
      },
      debug: () => undefined,
      query_chain: (ptr) => {
        b().gas.charge(WASM_GAS.query);
        return this.allocateWith(b().query(this.inPlace(ptr)));
      },
      abort: (ptr) => {
        throw new WasmVmError(`Aborted: ${this.readText(ptr)}`);
      },
    };
    const imports: Record<string, (...args: number[]) => number | bigint | undefined> = {};
    for (const imp of WebAssembly.Module.imports(code.module)) {
      imports[imp.name] = env[imp.name]!;
    }
    this.exports = new WebAssembly.Instance(code.module, { env: imports }).exports;
    const memory = Object.values(this.exports).find((v) => v instanceof WebAssembly.Memory);
    if (!memory) throw new WasmVmError("contract exports no memory");
    this.memory = memory;
    this.fuel = this.exports[FUEL_EXPORT] as WebAssembly.Global;
    this.globals = code.globals.map((name) => {
      const g = this.exports[name] as WebAssembly.Global;
      return [g, g.value];
    });
    if (code.reusable) {
      let entry = pool.get(code);
      if (!entry) {
        entry = { pristine: new Uint8Array(memory.buffer).slice(), idle: undefined };
        pool.set(code, entry);
      }
      this.pristine = entry.pristine;
    }
  }

  /** Puts the instance back as instantiated (see the top); false when it is not to be used again. */
  reset(): boolean {
    this.backend = undefined as unknown as VmBackend;
    this.iterators = [];
    const pristine = this.pristine;
    const size = this.memory.buffer.byteLength;
    if (!pristine || size > pristine.length + REUSE_GROWTH_PAGES * PAGE) return false;
    const bytes = new Uint8Array(this.memory.buffer);
    bytes.set(pristine);
    if (size > pristine.length) bytes.fill(0, pristine.length);
    for (const [g, value] of this.globals) g.value = value;
    return true;
  }

  private writable(what: string): void {
    if (this.backend.readonly)
      throw new WasmVmError(`Write access to storage not allowed in readonly context (${what})`);
  }

  private next(id: number): [Uint8Array, Uint8Array] | undefined {
    const it = this.iterators[id - 1];
    if (!it) throw new WasmVmError(`iterator ${id} does not exist`);
    const entry = it.next();
    if (entry) {
      this.backend.gas.charge(
        WASM_GAS.iterNextFlat + WASM_GAS.readPerByte * BigInt(entry[0].length + entry[1].length),
      );
    }
    return entry;
  }

  /** Views of the memory, made again when it has grown (which detaches the old buffer). */
  private memoryView(): DataView {
    if (this.view.buffer !== this.memory.buffer) {
      this.view = new DataView(this.memory.buffer);
      this.bytes = new Uint8Array(this.memory.buffer);
    }
    return this.view;
  }

  private region(ptr: number): { offset: number; capacity: number; length: number } {
    const view = this.memoryView();
    if (ptr === 0 || ptr + 12 > view.byteLength) throw new WasmVmError(`invalid region pointer ${ptr}`);
    const region = {
      offset: view.getUint32(ptr, true),
      capacity: view.getUint32(ptr + 4, true),
      length: view.getUint32(ptr + 8, true),
    };
    if (region.length > region.capacity || region.offset + region.capacity > view.byteLength) {
      throw new WasmVmError(`region at ${ptr} is out of bounds`);
    }
    return region;
  }

  /** A copy of a region's bytes. */
  read(ptr: number): Uint8Array {
    return this.inPlace(ptr).slice();
  }

  /**
   * A region's bytes in place, for a host function that is done with them before it returns (the contract
   * store copies what it keeps): no copy, and no allocation the collector must trace.
   */
  private inPlace(ptr: number): Uint8Array {
    const { offset, length } = this.region(ptr);
    if (length > MAX_REGION) throw new WasmVmError(`region of ${length} bytes is too large`);
    return this.bytes.subarray(offset, offset + length);
  }

  private readText(ptr: number): string {
    try {
      return decoder.decode(this.inPlace(ptr));
    } catch (e) {
      if (e instanceof WasmVmError) throw e;
      throw new WasmVmError("region is not valid UTF-8");
    }
  }

  private writeRegion(ptr: number, data: Uint8Array): void {
    const { offset, capacity } = this.region(ptr);
    if (data.length > capacity) throw new WasmVmError(`region too small: ${capacity} < ${data.length}`);
    this.bytes.set(data, offset);
    this.view.setUint32(ptr + 8, data.length, true);
  }

  allocateWith(data: Uint8Array): number {
    const ptr = Number((this.exports.allocate as (n: number) => number)(data.length)) >>> 0;
    this.writeRegion(ptr, data);
    return ptr;
  }

  call(entry: string, args: Uint8Array[], backend: VmBackend): Uint8Array {
    const fn = this.exports[entry];
    if (typeof fn !== "function") throw new WasmVmError(`contract has no entry point ${entry}`);
    this.backend = backend;
    this.fuel.value = CALL_FUEL;
    try {
      const ptrs = args.map((a) => this.allocateWith(a));
      // cosmwasm 2.2's migrate takes a third argument (MigrateInfo) only when the contract declares it.
      const resultPtr = (fn as (...p: number[]) => number)(...ptrs.slice(0, fn.length)) >>> 0;
      return this.read(resultPtr);
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError && this.fuel.value === 0) throw new WasmOutOfGas(CALL_FUEL);
      throw e;
    }
  }
}

/**
 * Calls an entry point with JSON arguments (env, info/msg, …) on a fresh (or reset) instance; returns the contract's
 * JSON result bytes (`{"ok":…}` or `{"error":…}`). Throws WasmVmError for traps and host faults.
 */
export function callEntry(
  code: PreparedCode,
  entry: string,
  args: unknown[],
  backend: VmBackend,
): Uint8Array {
  const encoded = args.map((a) => (a instanceof Uint8Array ? a : encoder.encode(JSON.stringify(a))));
  backend.gas.charge(
    WASM_GAS.instance + WASM_GAS.perInputByte * BigInt(encoded.reduce((n, a) => n + a.length, 0)),
  );
  // A contract that queries itself runs a second instance: the first is not idle until its call returns.
  const pooled = pool.get(code);
  let instance = pooled?.idle;
  if (pooled) pooled.idle = undefined;
  try {
    // Instantiating runs the module's start function, whose trap is the contract's fault like any other.
    instance ??= new Instance(code);
    return instance.call(entry, encoded, backend);
  } catch (e) {
    if (e instanceof WasmVmError || e instanceof WasmOutOfGas) throw e;
    if (e instanceof WebAssembly.RuntimeError || e instanceof RangeError) {
      throw new WasmVmError(`RuntimeError: ${e.message}`);
    }
    throw e;
  } finally {
    if (instance?.reset()) pool.get(code)!.idle = instance;
  }
}
