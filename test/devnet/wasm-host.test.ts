// The devnet's CosmWasm host: byte-ordered storage, all-or-nothing calls, gas, the runaway stop, code
// validation, and the real finality bytecode it deploys.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { toBech32, toHex } from "@cosmjs/encoding";
import {
  QueryCodeRequest,
  QueryCodeResponse,
  QueryRawContractStateRequest,
  QueryRawContractStateResponse,
} from "cosmjs-types/cosmwasm/wasm/v1/query";
import { beforeAll, describe, expect, it } from "vitest";
import { FINALITY_BYTECODE, finalityContractCode } from "../../contracts/finality/bytecode.ts";
import { AbciError } from "../../src/devnet/chain/module.ts";
import { ContractStore, StorageJournal } from "../../src/devnet/chain/wasm-store.ts";
import { ContractSandbox } from "../../src/devnet/contract-sandbox.ts";
import { probeContract } from "../fixtures/probe-contract.ts";

const SENDER = toBech32("bbn", new Uint8Array(20).fill(1));
const b = (...bytes: number[]) => Uint8Array.from(bytes);
const hexKeys = (it: { next(): [Uint8Array, Uint8Array] | undefined }) => {
  const out: string[] = [];
  for (let e = it.next(); e; e = it.next()) out.push(toHex(e[0]));
  return out;
};

describe("contract storage", () => {
  const journal = new StorageJournal();
  const store = new ContractStore(journal);
  for (const k of [b(1, 0), b(1), b(1, 0, 0), b(2), b(0xff), b(1, 1), b(0)]) store.set(k, b(9));

  it("iterates in byte order: a key before the same key plus 0x00, prefixes first", () => {
    expect(hexKeys(store.iterate(undefined, undefined, "ascending"))).toEqual([
      "00",
      "01",
      "0100",
      "010000",
      "0101",
      "02",
      "ff",
    ]);
    expect(hexKeys(store.iterate(undefined, undefined, "descending"))).toEqual([
      "ff",
      "02",
      "0101",
      "010000",
      "0100",
      "01",
      "00",
    ]);
  });

  it("treats start as inclusive and end as exclusive, in both directions", () => {
    expect(hexKeys(store.iterate(b(1), b(1, 0), "ascending"))).toEqual(["01"]);
    expect(hexKeys(store.iterate(b(1, 0), b(2), "ascending"))).toEqual(["0100", "010000", "0101"]);
    expect(hexKeys(store.iterate(b(1, 0), b(2), "descending"))).toEqual(["0101", "010000", "0100"]);
    expect(hexKeys(store.iterate(b(1, 0, 0, 0), b(1, 1), "descending"))).toEqual([]);
    expect(hexKeys(store.iterate(b(3), undefined, "ascending"))).toEqual(["ff"]);
  });

  it("rolls writes and removals back to a checkpoint", () => {
    const cp = journal.checkpoint();
    store.set(b(1), b(7));
    store.remove(b(2));
    store.set(b(5), b(5));
    journal.rollbackTo(cp);
    expect(store.get(b(1))).toEqual(b(9));
    expect(store.get(b(2))).toEqual(b(9));
    expect(store.get(b(5))).toBeUndefined();
    expect(store.size).toBe(7);
  });
});

describe("the host running a contract of our own", () => {
  let wasm: Uint8Array;
  let sandbox: ContractSandbox;
  let contract: string;
  const raw = (key: string) =>
    new TextDecoder().decode(
      QueryRawContractStateResponse.decode(
        sandbox.wasm.queries["/cosmwasm.wasm.v1.Query/RawContractState"](
          QueryRawContractStateRequest.encode({
            address: contract,
            queryData: new TextEncoder().encode(key),
          }).finish(),
        ),
      ).data,
    );

  beforeAll(async () => {
    wasm = await probeContract();
    sandbox = new ContractSandbox();
    // CosmJS upload() gzips; the checksum and the Code query are those of the uncompressed bytes.
    contract = sandbox.deploy(gzipSync(wasm), {}, SENDER).address;
  });

  it("stores gzip uploads under the sha256 of the original bytes and returns those bytes", () => {
    const code = QueryCodeResponse.decode(
      sandbox.wasm.queries["/cosmwasm.wasm.v1.Query/Code"](QueryCodeRequest.encode({ codeId: 1n }).finish()),
    );
    expect(code.data).toEqual(wasm);
    expect(toHex(code.codeInfo!.dataHash)).toBe(createHash("sha256").update(wasm).digest("hex"));
    expect(raw("k")).toBe("v");
  });

  it("commits a successful execute, emits wasmd's events and reports deterministic gas", () => {
    const first = sandbox.execute(contract, SENDER, { write: {} });
    expect(raw("k")).toBe('{"ok":"InByb2JlIg=="}');
    expect(first.events.map((e) => e.type)).toEqual(["execute", "wasm"]);
    expect(first.events[1]!.attributes[0]).toMatchObject({ key: "_contract_address", value: contract });
    expect(first.gasUsed).toBeGreaterThan(60_000n);
    expect(sandbox.execute(contract, SENDER, { write: {} }).gasUsed).toBe(first.gasUsed);
  });

  it("drops the writes of a call that returns an error or panics", () => {
    sandbox.execute(contract, SENDER, { write: {} });
    const before = raw("k");
    expect(() => sandbox.execute(contract, SENDER, { fail: {} })).toThrow(
      /failed on purpose: execute wasm contract failed/,
    );
    expect(raw("k")).toBe(before);
    expect(() => sandbox.execute(contract, SENDER, { panic: {} })).toThrow(/unreachable/);
    expect(raw("k")).toBe(before);
  });

  it("stops an endless loop and unbounded memory growth as out of gas, and keeps running", () => {
    for (const msg of [{ loop: {} }, { grow: {} }]) {
      const started = Date.now();
      let error: unknown;
      try {
        sandbox.execute(contract, SENDER, msg);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(AbciError);
      expect((error as AbciError).code).toBe(11);
      expect((error as AbciError).log).toMatch(/out of gas/);
      expect(Date.now() - started).toBeLessThan(5_000);
    }
    expect(raw("k")).not.toBe("");
    expect(sandbox.execute(contract, SENDER, { write: {} }).gasUsed).toBeGreaterThan(0n);
  });

  it("hands migrate the replaced code's cw_migrate_version as MigrateInfo.old_migrate_version", async () => {
    // The new code stores the MigrateInfo it is given under "k"; the old one carries a migrate version.
    const next = await probeContract((w) =>
      w.replace(
        '(func (export "query")',
        '(func (export "migrate") (param i32 i32) (param $info i32) (result i32) (call $db_write (i32.const 52) (local.get $info)) (i32.const 16))\n  (func (export "query")',
      ),
    );
    const section = (name: string, text: string) => {
      const payload = [name.length, ...new TextEncoder().encode(name), ...new TextEncoder().encode(text)];
      return Uint8Array.from([0, payload.length, ...payload]);
    };
    const old = Uint8Array.from([...wasm, ...section("cw_migrate_version", "3")]);
    const s = new ContractSandbox();
    const addr = s.deploy(old, {}, SENDER).address;
    const { id: plain } = s.wasm.storeCode(wasm, SENDER);
    const { id: migrating } = s.wasm.storeCode(next, SENDER);
    const info = () =>
      JSON.parse(
        new TextDecoder().decode(
          QueryRawContractStateResponse.decode(
            s.wasm.queries["/cosmwasm.wasm.v1.Query/RawContractState"](
              QueryRawContractStateRequest.encode({
                address: addr,
                queryData: new TextEncoder().encode("k"),
              }).finish(),
            ),
          ).data,
        ),
      );
    s.migrate(addr, SENDER, migrating, {});
    expect(info()).toEqual({ sender: SENDER, old_migrate_version: 3 });
    // From a code without the section: null.
    expect(() => s.migrate(addr, SENDER, plain, {})).toThrow(/Missing export migrate/);
    const s2 = new ContractSandbox();
    const addr2 = s2.deploy(wasm, {}, SENDER).address;
    s2.migrate(addr2, SENDER, s2.wasm.storeCode(next, SENDER).id, {});
    const raw2 = QueryRawContractStateResponse.decode(
      s2.wasm.queries["/cosmwasm.wasm.v1.Query/RawContractState"](
        QueryRawContractStateRequest.encode({
          address: addr2,
          queryData: new TextEncoder().encode("k"),
        }).finish(),
      ),
    ).data;
    expect(JSON.parse(new TextDecoder().decode(raw2))).toEqual({ sender: SENDER, old_migrate_version: null });
  });

  it("refuses code needing a capability the devnet lacks, or that is not CosmWasm", async () => {
    const fresh = new ContractSandbox();
    const needsIbc = await probeContract((wat) => wat.replace('"requires_iterator"', '"requires_ibc2"'));
    expect(() => fresh.wasm.storeCode(needsIbc, SENDER)).toThrow(
      'Wasm contract requires unavailable capabilities: {"ibc2"}: create wasm contract failed',
    );
    expect(() => fresh.wasm.storeCode(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]), SENDER)).toThrow(
      /missing a required marker export: interface_version_\*/,
    );
    expect(() => fresh.wasm.storeCode(new TextEncoder().encode("not wasm"), SENDER)).toThrow(
      /could not be deserialized/,
    );
    // A section whose size is cut off mid-number: refused as undecodable, not thrown as a bare error.
    const truncated = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 0x80]);
    expect(() => fresh.wasm.storeCode(truncated, SENDER)).toThrow(AbciError);
    expect(() => fresh.wasm.storeCode(truncated, SENDER)).toThrow(/could not be deserialized/);
  });
});

describe("the real finality bytecode", () => {
  it("matches the sha256 PROVENANCE.md gives for each file", () => {
    const provenance = readFileSync(
      new URL("../../contracts/finality/wasm/PROVENANCE.md", import.meta.url),
      "utf8",
    );
    for (const [dialect, { checksum }] of Object.entries(FINALITY_BYTECODE)) {
      const bytes = finalityContractCode(dialect as keyof typeof FINALITY_BYTECODE);
      expect(createHash("sha256").update(bytes).digest("hex")).toBe(checksum);
      expect(provenance).toContain(checksum);
    }
  });

  it("is refused where the devnet lacks a capability (the op build needs none missing)", () => {
    const sandbox = new ContractSandbox();
    expect(sandbox.wasm.storeCode(finalityContractCode("op-finality-gadget"), SENDER).id).toBe(1n);
  });

  it("accepts and ignores unknown fields, as cosmwasm-schema 2.1 contracts do", () => {
    const sandbox = new ContractSandbox();
    const { address: contract } = sandbox.deploy(
      finalityContractCode(),
      {
        admin: SENDER,
        bsn_id: "op-test-1",
        min_pub_rand: 10,
        rate_limiting_interval: 100,
        max_msgs_per_interval: 10,
        bsn_activation_height: 1,
        finality_signature_interval: 1,
        a_field_from_the_future: true,
      },
      SENDER,
    );
    const pk = "11".repeat(32);
    sandbox.execute(contract, SENDER, { add_to_allowlist: { fp_pubkey_hex_list: [pk], note: "ignored" } });
    expect(sandbox.query(contract, { allowed_finality_providers: {} })).toEqual([pk]);
    expect(sandbox.query(contract, { config: {} })).toMatchObject({ bsn_id: "op-test-1" });
  });
});
