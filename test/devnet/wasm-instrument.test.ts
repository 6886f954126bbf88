// The host's rewrite of contract code: fuel that bounds a call, and instances reset for the next call.
import { toBech32 } from "@cosmjs/encoding";
import { describe, expect, it } from "vitest";
import { AbciError } from "../../src/devnet/chain/module.ts";
import { CALL_FUEL, FUEL_EXPORT, instrument } from "../../src/devnet/chain/wasm-instrument.ts";
import { ContractSandbox } from "../../src/devnet/contract-sandbox.ts";
import { assemble, probeContract } from "../fixtures/probe-contract.ts";

const SENDER = toBech32("bbn", new Uint8Array(20).fill(1));

/** The AbciError `fn` throws (failing the test if it throws nothing or something else). */
function thrownBy(fn: () => unknown): AbciError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AbciError);
    return e as AbciError;
  }
  throw new Error("expected an AbciError, nothing was thrown");
}

function run(wat: Uint8Array, fuel: number) {
  const { bytes } = instrument(wat, fuel);
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
  return { f: exports.f as (n: number) => number, fuel: exports[FUEL_EXPORT] as WebAssembly.Global };
}

describe("fuel", () => {
  const counting = assemble(`(module
    (func (export "f") (param $n i32) (result i32)
      (loop $l (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
      (call $g))
    (func $g (result i32) (i32.const 7)))`);

  it("takes one unit per function entry and per loop iteration, and traps with none left", async () => {
    const m = run(await counting, 100);
    expect(m.f(10)).toBe(7);
    expect(m.fuel.value).toBe(100 - 1 - 10 - 1);
    m.fuel.value = 5;
    expect(() => m.f(10)).toThrow(WebAssembly.RuntimeError);
    expect(m.fuel.value).toBe(0);
  });

  it("stops a contract's endless recursion without loops as out of gas", async () => {
    // Two calls per level, 2^40 calls: only the fuel taken at each function entry ends it.
    const wasm = await probeContract((w) =>
      w
        .replace(
          '(func (export "query")',
          `(func $fan (param $n i32) (if (local.get $n) (then
             (call $fan (i32.sub (local.get $n) (i32.const 1)))
             (call $fan (i32.sub (local.get $n) (i32.const 1))))))
           (func (export "query")`,
        )
        .replace(
          "(i32.const 16))\n  (func $fan",
          "(if (i32.eq (local.get $first) (i32.const 114)) (then (call $fan (i32.const 40))))\n    (i32.const 16))\n  (func $fan",
        ),
    );
    const sandbox = new ContractSandbox();
    const contract = sandbox.deploy(wasm, {}, SENDER).address;
    const started = Date.now();
    const error = thrownBy(() => sandbox.execute(contract, SENDER, { recurse: {} }));
    expect(error.log).toMatch(new RegExp(`took more than ${CALL_FUEL} steps.*out of gas`));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(sandbox.execute(contract, SENDER, { write: {} }).gasUsed).toBeGreaterThan(0n);
  });

  it("leaves code that imports its memory to be refused for that, not for a rewrite it cannot have", async () => {
    const imported = await probeContract((w) =>
      w.replace(
        '(memory (export "memory") 2)',
        '(import "env" "memory" (memory 2))\n  (export "memory" (memory 0))',
      ),
    );
    expect(() => new ContractSandbox().wasm.storeCode(imported, SENDER)).toThrow(
      /Wasm contract must not import memory/,
    );
  });

  it("refuses code with instructions the host does not meter (SIMD)", async () => {
    const simd = await probeContract((w) =>
      w.replace(
        '(func (export "query")',
        '(func $v (drop (v128.const i32x4 0 0 0 0)))\n  (func (export "query")',
      ),
    );
    expect(() => new ContractSandbox().wasm.storeCode(simd, SENDER)).toThrow(
      /Wasm contract uses what the devnet does not run: unsupported instruction 0xfd: create wasm contract failed/,
    );
  });
});

describe("the memory size a contract sees", () => {
  it("is its own: reset, a grown instance answers memory.size and memory.grow as a fresh one", async () => {
    const { bytes, globals } = instrument(
      await assemble(`(module (memory (export "memory") 1 4)
        (func (export "f") (param $n i32) (result i32) (drop (memory.grow (local.get $n))) (memory.size))
        (func (export "g") (param $n i32) (result i32) (memory.grow (local.get $n))))`),
      1_000,
    );
    const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
    const f = exports.f as (n: number) => number;
    const g = exports.g as (n: number) => number;
    const size = exports[globals.at(-1)!] as WebAssembly.Global;
    const real = exports.memory as WebAssembly.Memory;
    expect(f(2)).toBe(3);
    size.value = 1; // what the host's reset does
    expect(f(2)).toBe(3);
    expect(real.buffer.byteLength).toBe(3 * 65_536);
    expect(g(0)).toBe(3);
    expect(g(2)).toBe(-1); // past the maximum of 4: fails and changes nothing
    expect(g(0x7fff_ffff)).toBe(-1);
    expect(f(1)).toBe(4);
    expect(real.buffer.byteLength).toBe(4 * 65_536);
  });
});

describe("instance reuse", () => {
  it("gives every call an instance as instantiated, after calls that wrote memory, globals and grew memory", async () => {
    // Each execute panics if it sees a mark an earlier call left in a global or in memory, then leaves both;
    // and it marks the last byte of its memory, which after an earlier call grew it is beyond the first pages.
    const wasm = await probeContract((w) =>
      w.replace("(global $heap", "(global $seen (mut i32) (i32.const 0))\n  (global $heap").replace(
        "(local.set $first",
        `(if (i32.or (global.get $seen) (i32.load8_u (i32.const 4000))) (then unreachable))
           (local.set $first (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 1)))
           (if (i32.load8_u (local.get $first)) (then unreachable))
           (i32.store8 (local.get $first) (i32.const 1))
           (global.set $seen (i32.const 1))
           (i32.store8 (i32.const 4000) (i32.const 1))
           (local.set $first`,
      ),
    );
    const sandbox = new ContractSandbox();
    const contract = sandbox.deploy(wasm, {}, SENDER).address;
    for (let i = 0; i < 3; i++) sandbox.execute(contract, SENDER, { write: {} });
    // A message larger than the memory makes the probe's allocator grow it, twice over the same pages.
    for (let i = 0; i < 2; i++) sandbox.execute(contract, SENDER, { write: {}, pad: "x".repeat(200_000) });
    for (let i = 0; i < 3; i++) sandbox.execute(contract, SENDER, { write: {} });
    expect(() => sandbox.execute(contract, SENDER, { panic: {} })).toThrow(/unreachable/);
    sandbox.execute(contract, SENDER, { write: {} });
  });

  it("reports a trap in the module's start function, run at instantiation, as the contract's failure", async () => {
    const wasm = await probeContract((w) =>
      w.replace(
        '(func (export "query")',
        '(func $boom unreachable)\n  (start $boom)\n  (func (export "query")',
      ),
    );
    expect(thrownBy(() => new ContractSandbox().deploy(wasm, {}, SENDER)).log).toMatch(
      /RuntimeError: unreachable/,
    );
  });

  it("is not used for code that can change its tables or drop segments, and exports the mutable globals", async () => {
    const module = (body: string) =>
      assemble(`(module (table 1 funcref) (memory 1) (global $g (mut i32) (i32.const 1))
        (global $c i32 (i32.const 2)) (func (export "f") ${body}))`);
    const plain = instrument(await module("(global.set $g (i32.const 3))"), 10);
    // $g, and the memory size the contract sees (after $c and the fuel).
    expect(plain).toMatchObject({ reusable: true, globals: ["__devnet_global_0", "__devnet_global_3"] });
    expect(instrument(await module("(table.set (i32.const 0) (ref.null func))"), 10).reusable).toBe(false);
    expect(instrument(await module("(table.grow (ref.null func) (i32.const 1)) (drop)"), 10).reusable).toBe(
      false,
    );
  });
});
