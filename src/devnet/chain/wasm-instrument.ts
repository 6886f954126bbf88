// Rewrites a contract's code before it is compiled, for two things the host needs and WebAssembly does not
// give: a bound on how long a call runs, and instances that can be used again.
//
// Fuel: a mutable i32 global is added and exported; every function entry and every loop iteration takes one
// unit from it and traps with `unreachable` when none is left. The host sets it before a call, so a call that
// never ends (a loop, unbounded recursion) stops after a fixed number of steps — the same on every machine,
// as wasmd's metering is — and the host tells that trap from the contract's own by the fuel being zero.
// Straight-line code between two checks is bounded by the function's size, so steps bound time.
//
// Reuse: every mutable global of the module is exported too, so that after a call the host can put an
// instance back as instantiated (memory bytes from a snapshot, globals to their first values). Memory cannot
// shrink, so the size the contract sees is a global of its own: `memory.size` reads it and `memory.grow`
// calls an added function that grows the real memory only past what an earlier call already grew. Reset, a
// reused instance answers both exactly as a fresh one does, and the allocator puts its heap where it would
// in a fresh one. (Only an access past that size but inside the real memory reads or writes zeros instead of
// trapping.) A module with state the host cannot put back (a table it can change, passive segments it can
// drop, a global it imports) is marked not reusable and gets a fresh instance for every call.

/**
 * The steps (function entries and loop iterations) one call may take. The finality contract's heaviest call,
 * a vote with its EOTS and Merkle checks, takes about 95,000; an endless loop runs out in a fraction of a
 * second.
 */
export const CALL_FUEL = 100_000_000;

/** The export that holds the fuel left to the running call. */
export const FUEL_EXPORT = "__devnet_fuel";
/** Exports of the module's own mutable globals are named this plus their index. */
export const GLOBAL_EXPORT_PREFIX = "__devnet_global_";

export interface Instrumented {
  bytes: Uint8Array<ArrayBuffer>;
  /** Export names of the mutable globals the host resets between calls. */
  globals: string[];
  /** False when an instance holds state beyond its memory and globals that a call can change. */
  reusable: boolean;
}

/** The code uses something the host does not run (the caller turns it into a validation failure). */
export class InstrumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InstrumentError";
  }
}

const SECTION = { type: 1, import: 2, function: 3, memory: 5, global: 6, export: 7, code: 10 } as const;
const I32 = 0x7f;
/** memory.grow's largest request that can succeed (4 GiB); larger ones fail before any arithmetic. */
const MAX_PAGES = 65_536;

class Reader {
  at: number;
  constructor(
    readonly bytes: Uint8Array,
    at = 0,
  ) {
    this.at = at;
  }
  byte(): number {
    const b = this.bytes[this.at++];
    if (b === undefined) throw new InstrumentError("truncated wasm code");
    return b;
  }
  u32(): number {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const b = this.byte();
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return value;
      if (shift >= 28) throw new InstrumentError("LEB128 too long");
    }
  }
  /** Skips a signed LEB128 of up to `bits` bits. */
  skipLeb(bits: number): void {
    for (let i = 0; i < Math.ceil(bits / 7); i++) if ((this.byte() & 0x80) === 0) return;
    throw new InstrumentError("LEB128 too long");
  }
  skip(n: number): void {
    this.at += n;
    if (this.at > this.bytes.length) throw new InstrumentError("truncated wasm code");
  }
}

/** Unsigned LEB128, as the binary format writes sizes, counts and indices. */
export function leb(value: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    let b = v & 0x7f;
    v = Math.floor(v / 128);
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

function sleb32(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}

function section(id: number, body: number[] | Uint8Array): Uint8Array {
  return Uint8Array.from([id, ...leb(body.length), ...body]);
}

function name(text: string): number[] {
  const bytes = new TextEncoder().encode(text);
  return [...leb(bytes.length), ...bytes];
}

/** Instructions that change an instance's state outside its memory and globals. */
const TABLE_OR_SEGMENT_STATE = new Set([0x26, 0xfc09, 0xfc0c, 0xfc0d, 0xfc0e, 0xfc0f, 0xfc11]);

/** A change to a function body: at `at`, `cut` bytes are replaced by `insert`. */
interface Edit {
  at: number;
  cut: number;
  insert: number[];
}

/**
 * What a function body's walk puts in: the fuel check, and the replacements of memory.size and .grow (none for
 * a module without a memory of its own: an imported one is refused once compiled, with its own message).
 */
interface Rewrites {
  check: number[];
  memory?: { size: number[]; grow: number[] };
}

/**
 * Walks one instruction sequence up to its final `end` (a constant expression, or a function body when
 * `rewrites` is given, collecting its edits). Returns false when it met an instruction in
 * TABLE_OR_SEGMENT_STATE.
 */
function walk(r: Reader, rewrites?: Rewrites, edits: Edit[] = []): boolean {
  let depth = 1;
  let stateless = true;
  const blockType = () => {
    const b = r.bytes[r.at];
    if (b === 0x40 || (b !== undefined && b >= 0x6f && b <= 0x7f)) r.skip(1);
    else r.skipLeb(33);
  };
  while (depth > 0) {
    const start = r.at;
    const op = r.byte();
    if (op === 0x02 || op === 0x04) {
      blockType();
      depth++;
    } else if (op === 0x03) {
      blockType();
      depth++;
      if (rewrites) edits.push({ at: r.at, cut: 0, insert: rewrites.check });
    } else if (op === 0x0b) depth--;
    else if (op === 0x0e) {
      const n = r.u32();
      for (let i = 0; i <= n; i++) r.u32();
    } else if (op === 0x11) {
      r.u32();
      r.u32();
    } else if (op === 0x1c) r.skip(r.u32());
    else if (op === 0x41) r.skipLeb(32);
    else if (op === 0x42) r.skipLeb(64);
    else if (op === 0x43) r.skip(4);
    else if (op === 0x44) r.skip(8);
    else if (op >= 0x28 && op <= 0x3e) {
      r.u32();
      r.u32();
    } else if (op === 0x3f || op === 0x40) {
      r.u32();
      const memory = rewrites?.memory;
      if (memory)
        edits.push({ at: start, cut: r.at - start, insert: op === 0x3f ? memory.size : memory.grow });
    } else if (op === 0x0c || op === 0x0d || op === 0x10 || (op >= 0x20 && op <= 0x26) || op === 0xd2) {
      if (op === 0x26) stateless = false;
      r.u32();
    } else if (op === 0xd0) r.skip(1);
    else if (op === 0xfc) {
      const sub = r.u32();
      if (sub > 17) throw new InstrumentError(`unsupported instruction 0xfc ${sub}`);
      if (TABLE_OR_SEGMENT_STATE.has(0xfc00 + sub)) stateless = false;
      if (sub === 8 || sub === 10 || sub === 12 || sub === 14) {
        r.u32();
        r.u32();
      } else if (sub >= 8) r.u32();
    } else if (
      !(op <= 0x01 || op === 0x05 || op === 0x0f || op === 0x1a || op === 0x1b || op === 0xd1) &&
      !(op >= 0x45 && op <= 0xc4)
    ) {
      throw new InstrumentError(`unsupported instruction 0x${op.toString(16)}`);
    }
  }
  return stateless;
}

/** Takes a unit of fuel, or traps when there is none. */
function fuelCheck(global: number): number[] {
  const get = [0x23, ...leb(global)];
  // global.get; i32.eqz; if; unreachable; end; global.get; i32.const 1; i32.sub; global.set
  return [...get, 0x45, 0x04, 0x40, 0x00, 0x0b, ...get, 0x41, 0x01, 0x6b, 0x24, ...leb(global)];
}

/**
 * memory.grow over the contract's own size global: (param $n i32) (result i32) (local $old i32). Grows the
 * real memory only by what it lacks, and fails (-1) as memory.grow does, changing nothing.
 */
function growBody(size: number): number[] {
  const g = leb(size);
  const fail = [0x41, 0x7f, 0x0f]; // i32.const -1; return
  const wanted = [0x20, 0x01, 0x20, 0x00, 0x6a]; // $old + $n
  const code = [
    ...[0x23, ...g, 0x21, 0x01], // $old = size
    ...[0x20, 0x00, 0x41, ...sleb32(MAX_PAGES), 0x4b, 0x04, 0x40, ...fail, 0x0b], // $n > MAX_PAGES: fail
    ...[...wanted, 0x3f, 0x00, 0x4b, 0x04, 0x40], // if $old + $n > real size
    ...[...wanted, 0x3f, 0x00, 0x6b, 0x40, 0x00, 0x41, 0x7f, 0x46, 0x04, 0x40, ...fail, 0x0b], // grow the rest or fail
    0x0b,
    ...[...wanted, 0x24, ...g], // size = $old + $n
    ...[0x20, 0x01, 0x0b], // return $old
  ];
  return [0x01, 0x01, I32, ...code];
}

/** A vector section's body with `added` entries after its own. */
function appended(body: Uint8Array, added: number[][]): number[] {
  const b = new Reader(body);
  const count = b.u32();
  return [...leb(count + added.length), ...body.subarray(b.at), ...added.flat()];
}

/**
 * Adds fuel checks, the memory size global and the exports described above to a valid module. The fuel
 * global starts at `fuel`, so a start function is bounded too.
 */
export function instrument(wasm: Uint8Array, fuel: number): Instrumented {
  const sections: { id: number; body: Uint8Array }[] = [];
  const r = new Reader(wasm, 8);
  while (r.at < wasm.length) {
    const id = r.byte();
    const size = r.u32();
    sections.push({ id, body: wasm.subarray(r.at, r.at + size) });
    r.skip(size);
  }
  const has = (id: number) => sections.some((s) => s.id === id);
  let importedFuncs = 0;
  let importedGlobals = 0;
  let definedFuncs = 0;
  let definedGlobals = 0;
  let types = 0;
  let memoryPages: number | undefined;
  let reusable = true;
  const mutable: number[] = [];
  for (const s of sections) {
    const b = new Reader(s.body);
    if (s.id === SECTION.type) types = b.u32();
    else if (s.id === SECTION.function) definedFuncs = b.u32();
    else if (s.id === SECTION.memory && b.u32() > 0) {
      b.byte();
      memoryPages = b.u32();
    } else if (s.id === SECTION.import) {
      for (let n = b.u32(); n > 0; n--) {
        b.skip(b.u32());
        b.skip(b.u32());
        const kind = b.byte();
        if (kind === 0) {
          b.u32();
          importedFuncs++;
        } else if (kind === 1 || kind === 2) {
          if (kind === 1) b.byte();
          const flags = b.byte();
          b.u32();
          if (flags & 1) b.u32();
        } else if (kind === 3) {
          b.byte();
          if (b.byte() === 1) reusable = false; // a mutable global from outside: state the host does not own
          importedGlobals++;
        } else throw new InstrumentError(`unsupported import kind ${kind}`);
      }
    } else if (s.id === SECTION.global) {
      definedGlobals = b.u32();
      for (let i = 0; i < definedGlobals; i++) {
        b.byte();
        if (b.byte() === 1) mutable.push(importedGlobals + i);
        walk(b);
      }
    }
  }
  const fuelGlobal = importedGlobals + definedGlobals;
  const sizeGlobal = fuelGlobal + 1;
  // Without a memory there is no memory.size or .grow to replace; without a type section, no function at all.
  const growFunc =
    memoryPages !== undefined && has(SECTION.type) && has(SECTION.function)
      ? importedFuncs + definedFuncs
      : undefined;
  const rewrites: Rewrites = {
    check: fuelCheck(fuelGlobal),
    memory:
      growFunc === undefined
        ? undefined
        : { size: [0x23, ...leb(sizeGlobal)], grow: [0x10, ...leb(growFunc)] },
  };
  const newGlobals = [
    [I32, 1, 0x41, ...sleb32(fuel), 0x0b],
    [I32, 1, 0x41, ...sleb32(memoryPages ?? 0), 0x0b],
  ];
  const reset = [...mutable, sizeGlobal];
  const globals = reset.map((g) => `${GLOBAL_EXPORT_PREFIX}${g}`);
  const newExports = [
    [...name(FUEL_EXPORT), 0x03, ...leb(fuelGlobal)],
    ...reset.map((g, i) => [...name(globals[i]!), 0x03, ...leb(g)]),
  ];

  const out: Uint8Array[] = [wasm.subarray(0, 8)];
  const emitted = new Set<number>();
  const emit = (id: number, body: number[] | Uint8Array) => {
    out.push(section(id, body));
    if (id !== 0) emitted.add(id);
  };
  // Sections keep the order the binary format requires; a missing global or export section is added where it
  // belongs (global after memory, export right after global; the data count section, 12, comes before code).
  const place = (before: number) => {
    if (before > SECTION.global && !emitted.has(SECTION.global))
      emit(SECTION.global, appended(Uint8Array.of(0), newGlobals));
    if (before > SECTION.export && !emitted.has(SECTION.export))
      emit(SECTION.export, appended(Uint8Array.of(0), newExports));
  };
  for (const s of sections) {
    if (s.id !== 0) place(s.id);
    if (s.id === SECTION.type && growFunc !== undefined)
      emit(s.id, appended(s.body, [[0x60, 1, I32, 1, I32]]));
    else if (s.id === SECTION.function && growFunc !== undefined) emit(s.id, appended(s.body, [leb(types)]));
    else if (s.id === SECTION.global) emit(s.id, appended(s.body, newGlobals));
    else if (s.id === SECTION.export) emit(s.id, appended(s.body, newExports));
    else if (s.id === SECTION.code) {
      const b = new Reader(s.body);
      const bodies: Uint8Array[] = [];
      for (let n = b.u32(); n > 0; n--) {
        const size = b.u32();
        const body = new Reader(s.body.subarray(b.at, b.at + size));
        b.skip(size);
        for (let locals = body.u32(); locals > 0; locals--) {
          body.u32();
          body.byte();
        }
        const edits: Edit[] = [{ at: body.at, cut: 0, insert: rewrites.check }];
        if (!walk(body, rewrites, edits)) reusable = false;
        if (body.at !== size) throw new InstrumentError("function body has bytes after its end");
        const parts: number[] = [];
        let from = 0;
        for (const e of edits) {
          for (let i = from; i < e.at; i++) parts.push(body.bytes[i]!);
          parts.push(...e.insert);
          from = e.at + e.cut;
        }
        for (let i = from; i < size; i++) parts.push(body.bytes[i]!);
        bodies.push(Uint8Array.from([...leb(parts.length), ...parts]));
      }
      if (growFunc !== undefined) {
        const grow = growBody(sizeGlobal);
        bodies.push(Uint8Array.from([...leb(grow.length), ...grow]));
      }
      const count = leb(bodies.length);
      const merged = new Uint8Array(bodies.reduce((n, x) => n + x.length, count.length));
      merged.set(count, 0);
      let at = count.length;
      for (const x of bodies) {
        merged.set(x, at);
        at += x.length;
      }
      emit(s.id, merged);
    } else emit(s.id, s.body);
  }
  place(Number.POSITIVE_INFINITY);
  return { bytes: new Uint8Array(Buffer.concat(out)), globals, reusable };
}
