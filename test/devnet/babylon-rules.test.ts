import { toBech32 } from "@cosmjs/encoding";
import { describe, expect, it } from "vitest";
import { bytesToHex } from "../../src/core/crypto/bytes.ts";
import { signingContext } from "../../src/core/crypto/context.ts";
import * as eots from "../../src/core/crypto/eots.ts";
import { xonlyPublicKey } from "../../src/core/crypto/keys.ts";
import { finalityVoteMessage } from "../../src/core/crypto/messages.ts";
import { CheckpointStatus, Epochs } from "../../src/devnet/babylon/epochs.ts";
import { extractEquivocatorKey, parseEvidence } from "../../src/devnet/babylon/evidence.ts";
import { defaultStakingParams } from "../../src/devnet/babylon/index.ts";
import { paginate } from "../../src/devnet/babylon/pagination.ts";
import { signPop, verifyPop } from "../../src/devnet/babylon/pop.ts";
import { BtcStaking } from "../../src/devnet/babylon/staking.ts";
import { delegationStatus } from "../../src/devnet/babylon/status.ts";

const sk = (n: number) => Uint8Array.from({ length: 32 }, (_, i) => (i === 31 ? n : 7));

describe("delegation status (Babylon GetStatus at the light-client tip)", () => {
  const d = { covenantSigs: 2, startHeight: 100, endHeight: 200, unbondingTime: 10, unbondedEarly: false };
  it("walks PENDING → VERIFIED → ACTIVE → EXPIRED at the exact boundaries", () => {
    expect(delegationStatus({ ...d, covenantSigs: 1 }, 150, 2)).toBe("PENDING");
    expect(delegationStatus({ ...d, startHeight: 0, endHeight: 0 }, 150, 2)).toBe("VERIFIED");
    expect(delegationStatus(d, 99, 2)).toBe("UNBONDED");
    expect(delegationStatus(d, 100, 2)).toBe("ACTIVE");
    expect(delegationStatus(d, 189, 2)).toBe("ACTIVE");
    expect(delegationStatus(d, 190, 2)).toBe("EXPIRED");
    expect(delegationStatus({ ...d, unbondedEarly: true }, 150, 2)).toBe("UNBONDED");
    expect(delegationStatus({ ...d, unbondedEarly: true, covenantSigs: 0 }, 150, 2)).toBe("UNBONDED");
  });
});

describe("store pagination", () => {
  const items = Array.from({ length: 7 }, (_, i) => ({ key: Uint8Array.of(i * 2), item: i }));
  it("pages by key with next_key, by offset with total, and in reverse", () => {
    const p1 = paginate(items, { limit: 3n });
    expect(p1.items).toEqual([0, 1, 2]);
    expect([...p1.nextKey]).toEqual([6]);
    const p2 = paginate(items, { key: p1.nextKey, limit: 3n });
    expect(p2.items).toEqual([3, 4, 5]);
    const p3 = paginate(items, { key: p2.nextKey, limit: 3n });
    expect(p3.items).toEqual([6]);
    expect(p3.nextKey.length).toBe(0);
    expect(paginate(items, { key: Uint8Array.of(5), limit: 2n }).items).toEqual([3, 4]);
    expect(paginate(items, { offset: 5n, countTotal: true })).toMatchObject({ items: [5, 6], total: 7n });
    const r = paginate(items, { reverse: true, limit: 2n });
    expect(r.items).toEqual([6, 5]);
    expect(paginate(items, { reverse: true, key: r.nextKey, limit: 2n }).items).toEqual([4, 3]);
    expect(paginate(items, undefined).items).toHaveLength(7);
    expect(() => paginate(items, { key: Uint8Array.of(1), offset: 1n })).toThrow(/either offset or key/);
  });
});

describe("proof of possession", () => {
  const addr = toBech32(
    "bbn",
    Uint8Array.from({ length: 20 }, (_, i) => i),
  );
  const other = toBech32(
    "bbn",
    Uint8Array.from({ length: 20 }, (_, i) => i + 1),
  );
  it("verifies a BIP-340 PoP bound to chain id and address, and rejects anything else", () => {
    const pk = xonlyPublicKey(sk(1));
    const sig = signPop(sk(1), "devnet-1", addr);
    expect(verifyPop(0, sig, pk, "devnet-1", addr)).toEqual({ ok: true });
    expect(verifyPop(0, sig, pk, "devnet-2", addr).ok).toBe(false);
    expect(verifyPop(0, sig, pk, "devnet-1", other).ok).toBe(false);
    expect(verifyPop(0, sig, xonlyPublicKey(sk(2)), "devnet-1", addr).ok).toBe(false);
    expect(verifyPop(1, sig, pk, "devnet-1", addr)).toEqual({
      ok: false,
      reason: "unsupported btc_sig_type 1",
    });
    expect(verifyPop(0, sig.slice(1), pk, "devnet-1", addr).ok).toBe(false);
  });
});

describe("equivocation evidence", () => {
  const ctx = signingContext("fp_fin_vote", "devnet-1", "bbn1contract");
  const fpSk = sk(3);
  const pk = xonlyPublicKey(fpSk);
  const privRand = sk(9);
  const pubRand = eots.publicRandomness(privRand);
  const h1 = new Uint8Array(32).fill(1);
  const h2 = new Uint8Array(32).fill(2);
  const sig = (hash: Uint8Array) => eots.sign(fpSk, privRand, finalityVoteMessage(42n, hash, ctx));
  const body = (over: Record<string, unknown> = {}) =>
    JSON.stringify({
      signer: "bbn1contract",
      fp_btc_pk_hex: bytesToHex(pk),
      block_height: 42,
      pub_rand_hex: bytesToHex(pubRand),
      canonical_app_hash_hex: bytesToHex(h1),
      fork_app_hash_hex: bytesToHex(h2),
      canonical_finality_sig_hex: bytesToHex(sig(h1)),
      fork_finality_sig_hex: bytesToHex(sig(h2)),
      signing_context: ctx,
      ...over,
    });

  it("extracts the provider's key from two votes at one height", () => {
    const e = parseEvidence(body());
    expect(e.blockHeight).toBe(42n);
    expect(bytesToHex(extractEquivocatorKey(e))).toBe(bytesToHex(fpSk));
  });

  it("rejects evidence for another key, a wrong context, or malformed fields", () => {
    const otherPk = bytesToHex(xonlyPublicKey(sk(4)));
    expect(() => extractEquivocatorKey(parseEvidence(body({ fp_btc_pk_hex: otherPk })))).toThrow(
      /invalid equivocation evidence/,
    );
    const wrongCtx = signingContext("fp_fin_vote", "devnet-1", "bbn1other");
    expect(() => extractEquivocatorKey(parseEvidence(body({ signing_context: wrongCtx })))).toThrow(
      /invalid equivocation evidence/,
    );
    expect(() => parseEvidence(body({ fork_app_hash_hex: "abcd" }))).toThrow(
      /fork_app_hash_hex must be 32 bytes/,
    );
    expect(() => parseEvidence(body({ pub_rand_hex: "zz" }))).toThrow(/pub_rand_hex is not valid hex/);
    expect(() => parseEvidence(body({ block_height: -1 }))).toThrow(/block_height/);
    expect(() => parseEvidence("{")).toThrow(/not JSON/);
  });
});

describe("epochs and checkpoint finalization", () => {
  it("counts epochs of E blocks and finalizes an epoch d BTC blocks after it ended", () => {
    let tip = 100;
    const epochs = new Epochs(5n, 2, 4, () => tip);
    expect(epochs.currentEpoch()).toBe(0n);
    for (let h = 1n; h <= 5n; h++) epochs.blockEnded(h);
    expect(epochs.currentEpoch()).toBe(1n);
    expect(epochs.epochBoundary()).toBe(5n);
    epochs.blockEnded(6n);
    expect(epochs.currentEpoch()).toBe(2n);
    expect(epochs.epochBoundary()).toBe(10n);
    expect(epochs.lastFinalizedEpoch()).toBe(0n);
    expect(epochs.lastEpochWithStatus(CheckpointStatus.SEALED)).toBe(1n);
    tip = 102;
    expect(epochs.lastEpochWithStatus(CheckpointStatus.CONFIRMED)).toBe(1n);
    tip = 103;
    expect(epochs.lastFinalizedEpoch()).toBe(0n);
    tip = 104;
    expect(epochs.lastFinalizedEpoch()).toBe(1n);
    const copy = new Epochs(5n, 2, 4, () => tip);
    copy.importState(JSON.parse(JSON.stringify(epochs.exportState())));
    expect(copy.currentEpoch()).toBe(2n);
    expect(copy.lastFinalizedEpoch()).toBe(1n);
  });
});

describe("BTC staking admin operations", () => {
  const fpPk = "ab".repeat(32);
  const staking = () => {
    const s = new BtcStaking(defaultStakingParams(3), new Set(["bsn"]), "bbn-test-1", 2);
    s.addProvider(
      {
        btcPkHex: fpPk,
        addr: toBech32("bbn", new Uint8Array(20).fill(2)),
        description: { moniker: "fp", identity: "", website: "", securityContact: "", details: "" },
        commission: 10n ** 17n,
        maxRate: 10n ** 18n,
        maxChangeRate: 10n ** 16n,
        commissionUpdateTime: new Date(0),
        popSigType: 0,
        popSigHex: "",
        bsnId: "bsn",
        jailed: false,
        slashedBabylonHeight: 0n,
        slashedBtcHeight: 0,
        registeredHeight: 1n,
      },
      () => {},
    );
    return s;
  };
  const add = (s: BtcStaking) =>
    s.addDelegation(
      { fpBtcPkList: [fpPk], totalSat: 50_000n, stakingTime: 1_000, covenantQuorum: true, startHeight: 1 },
      10,
      2n,
      () => {},
    );

  it("are all-or-nothing: a failing operation leaves no delegation, index entry or used nonce", () => {
    const s = staking();
    const kept = add(s);
    expect(() =>
      s.atomically(() => {
        add(s);
        add(s);
        throw new Error("fails after two delegations");
      }),
    ).toThrow("fails after two delegations");
    expect(s.delegations()).toEqual([kept]);
    expect(s.delegatorsOf(fpPk).flatMap((x) => x.dels)).toEqual([kept]);
    // The nonce is back too: the next delegation is the one a fresh state makes second.
    const fresh = staking();
    add(fresh);
    expect(s.atomically(() => add(s)).stakingTxHashHex).toBe(add(fresh).stakingTxHashHex);
  });
});
