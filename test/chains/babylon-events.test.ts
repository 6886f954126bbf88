import { describe, expect, it } from "vitest";
import { BTCDelegationStatus } from "../../src/chains/babylon/btcstaking.ts";
import {
  BabylonEventType,
  type BabylonEventTypeName,
  decodeTypedEvent,
  encodeTypedEvent,
  isBabylonTypedEvent,
} from "../../src/chains/babylon/events.ts";
import { evidence, hexOf } from "./babylon-fixtures.ts";

const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");
const txHash = hexOf("staking-tx-hash", 32);

const SAMPLES: { [K in BabylonEventTypeName]: Parameters<typeof encodeTypedEvent<K>>[1] } = {
  [BabylonEventType.FinalityProviderCreated]: {
    btcPkHex: hexOf("fp", 32),
    addr: "bbn1qg5ega6dykkxc307y25pecuufrjkxkaggkkxh7",
    commission: "0.050000000000000000",
    moniker: "Lighthouse <FP> & co",
    website: "https://fp.example.org",
    bsnId: "op-stack-l2-11155420",
  },
  [BabylonEventType.FinalityProviderEdited]: {
    btcPkHex: hexOf("fp", 32),
    commission: "0.060000000000000000",
    moniker: "renamed",
  },
  [BabylonEventType.FinalityProviderStatusChange]: {
    btcPk: hexOf("fp", 32),
    newState: "FINALITY_PROVIDER_STATUS_JAILED",
  },
  [BabylonEventType.BTCDelegationCreated]: {
    stakingTxHex: hexOf("tx", 150),
    stakingOutputIndex: "0",
    paramsVersion: "4",
    finalityProviderBtcPksHex: [hexOf("fp", 32), hexOf("babylon-fp", 32)],
    stakerBtcPkHex: hexOf("staker", 32),
    stakingTime: "64000",
    unbondingTime: "1008",
    unbondingTx: hexOf("utx", 120),
    newState: "PENDING",
    stakerAddr: "bbn1dlf6xc3ds8x8hrj9eszlqwpcfuq6xs6n4kzkxn",
  },
  [BabylonEventType.CovenantQuorumReached]: { stakingTxHash: txHash, newState: "VERIFIED" },
  [BabylonEventType.BTCDelegationInclusionProofReceived]: {
    stakingTxHash: txHash,
    startHeight: "874000",
    endHeight: "938000",
    newState: "ACTIVE",
  },
  [BabylonEventType.BTCDelgationUnbondedEarly]: {
    stakingTxHash: txHash,
    startHeight: "880123",
    newState: "UNBONDED",
  },
  [BabylonEventType.BTCDelegationExpired]: { stakingTxHash: txHash, newState: "EXPIRED" },
  [BabylonEventType.BTCDelegationStateUpdate]: {
    stakingTxHash: txHash,
    newState: BTCDelegationStatus.values.ACTIVE,
  },
  [BabylonEventType.SlashedFinalityProvider]: { evidence },
  [BabylonEventType.CovenantSignatureReceived]: {
    stakingTxHash: txHash,
    covenantBtcPkHex: hexOf("covenant", 32),
    covenantUnbondingSignatureHex: hexOf("covenant-sig", 64),
  },
  [BabylonEventType.UnexpectedUnbondingTx]: {
    stakingTxHash: txHash,
    spendStakeTxHash: hexOf("spend-tx", 32),
    spendStakeTxHeaderHash: hexOf("btc-header", 32),
    spendStakeTxBlockIndex: 7,
  },
  [BabylonEventType.JailedFinalityProvider]: { publicKey: hexOf("fp", 32) },
};

describe("Babylon typed events", () => {
  it.each(Object.keys(SAMPLES) as BabylonEventTypeName[])(
    "%s round-trips, with and without msg_index",
    (type) => {
      const value = SAMPLES[type];
      for (const msgIndex of [undefined, 3]) {
        const ev = encodeTypedEvent(type, value as never, msgIndex === undefined ? {} : { msgIndex });
        expect(ev.type).toBe(type);
        const keys = ev.attributes.map((a) => a.key);
        const fieldKeys = msgIndex === undefined ? keys : keys.slice(0, -1);
        expect(fieldKeys).toEqual([...fieldKeys].sort());
        if (msgIndex !== undefined) expect(ev.attributes.at(-1)).toEqual({ key: "msg_index", value: "3" });
        const decoded = decodeTypedEvent(ev);
        expect(decoded.type).toBe(type);
        expect(decoded.msgIndex).toBe(msgIndex);
        // Re-encoding what was decoded gives the identical event.
        expect(
          encodeTypedEvent(type, decoded.value as never, msgIndex === undefined ? {} : { msgIndex }),
        ).toEqual(ev);
      }
    },
  );

  it("renders attributes as Cosmos SDK does: sorted keys, JSON values, every field present", () => {
    const ev = encodeTypedEvent(
      BabylonEventType.BTCDelegationInclusionProofReceived,
      SAMPLES[BabylonEventType.BTCDelegationInclusionProofReceived],
      {
        msgIndex: 0,
      },
    );
    expect(ev).toEqual({
      type: "babylon.btcstaking.v1.EventBTCDelegationInclusionProofReceived",
      attributes: [
        { key: "end_height", value: '"938000"' },
        { key: "new_state", value: '"ACTIVE"' },
        { key: "staking_tx_hash", value: `"${txHash}"` },
        { key: "start_height", value: '"874000"' },
        { key: "msg_index", value: "0" },
      ],
    });
  });

  it("renders enums by name, repeated fields as arrays and escapes <, >, & as Go does", () => {
    const state = encodeTypedEvent(
      BabylonEventType.BTCDelegationStateUpdate,
      SAMPLES[BabylonEventType.BTCDelegationStateUpdate],
    );
    expect(state.attributes).toEqual([
      { key: "new_state", value: '"ACTIVE"' },
      { key: "staking_tx_hash", value: `"${txHash}"` },
    ]);
    const created = encodeTypedEvent(
      BabylonEventType.BTCDelegationCreated,
      SAMPLES[BabylonEventType.BTCDelegationCreated],
    );
    const pks = created.attributes.find((a) => a.key === "finality_provider_btc_pks_hex");
    expect(pks?.value).toBe(`["${hexOf("fp", 32)}","${hexOf("babylon-fp", 32)}"]`);
    expect(created.attributes.find((a) => a.key === "previous_staking_tx_hash_hex")?.value).toBe('""');
    const fp = encodeTypedEvent(
      BabylonEventType.FinalityProviderCreated,
      SAMPLES[BabylonEventType.FinalityProviderCreated],
    );
    expect(fp.attributes.find((a) => a.key === "moniker")?.value).toBe(
      '"Lighthouse \\u003cFP\\u003e \\u0026 co"',
    );
    expect(fp.attributes.find((a) => a.key === "identity")?.value).toBe('""');
  });

  it("renders slashing evidence as one JSON object: pk hex, other bytes base64, height quoted, proto field order", () => {
    const ev = encodeTypedEvent(BabylonEventType.SlashedFinalityProvider, { evidence }, { msgIndex: 1 });
    expect(ev.attributes).toEqual([
      {
        key: "evidence",
        value: JSON.stringify({
          fp_btc_pk: Buffer.from(evidence.fpBtcPk).toString("hex"),
          block_height: "1234567",
          pub_rand: b64(evidence.pubRand),
          canonical_app_hash: b64(evidence.canonicalAppHash),
          fork_app_hash: b64(evidence.forkAppHash),
          canonical_finality_sig: b64(evidence.canonicalFinalitySig),
          fork_finality_sig: b64(evidence.forkFinalitySig),
          signing_context: evidence.signingContext,
        }),
      },
      { key: "msg_index", value: "1" },
    ]);
  });

  it("renders an unexpected unbonding as Babylon does: hashes as hex strings, the block index as a JSON number", () => {
    const ev = encodeTypedEvent(
      BabylonEventType.UnexpectedUnbondingTx,
      SAMPLES[BabylonEventType.UnexpectedUnbondingTx],
      { msgIndex: 0 },
    );
    expect(ev.attributes).toEqual([
      { key: "spend_stake_tx_block_index", value: "7" },
      { key: "spend_stake_tx_hash", value: `"${hexOf("spend-tx", 32)}"` },
      { key: "spend_stake_tx_header_hash", value: `"${hexOf("btc-header", 32)}"` },
      { key: "staking_tx_hash", value: `"${txHash}"` },
      { key: "msg_index", value: "0" },
    ]);
  });

  it("decodes evidence whose byte fields are all hex (the form some docs show)", () => {
    const hexAll = (b: Uint8Array) => Buffer.from(b).toString("hex");
    const value = JSON.stringify({
      fp_btc_pk: hexAll(evidence.fpBtcPk),
      block_height: "1234567",
      pub_rand: hexAll(evidence.pubRand),
      canonical_app_hash: hexAll(evidence.canonicalAppHash),
      fork_app_hash: hexAll(evidence.forkAppHash),
      canonical_finality_sig: hexAll(evidence.canonicalFinalitySig),
      fork_finality_sig: hexAll(evidence.forkFinalitySig),
      signing_context: evidence.signingContext,
    });
    const decoded = decodeTypedEvent({
      type: "babylon.finality.v1.EventSlashedFinalityProvider",
      attributes: [{ key: "evidence", value }],
    });
    expect(decoded.value).toEqual({ evidence });
  });

  it("decodes what block_results gives: index flags, mode, unknown and missing attributes", () => {
    const fromChain = {
      type: "babylon.btcstaking.v1.EventBTCDelgationUnbondedEarly",
      attributes: [
        { key: "new_state", value: '"UNBONDED"', index: true },
        { key: "staking_tx_hash", value: `"${txHash}"`, index: true },
        { key: "start_height", value: '"880123"', index: true },
        { key: "some_v5_field", value: "{not json", index: true },
        { key: "mode", value: "EndBlock", index: true },
      ],
    };
    const decoded = decodeTypedEvent(fromChain);
    expect(decoded).toEqual({
      type: "babylon.btcstaking.v1.EventBTCDelgationUnbondedEarly",
      value: { stakingTxHash: txHash, startHeight: "880123", newState: "UNBONDED", stakeExpansionTxHash: "" },
      msgIndex: undefined,
    });
    if (decoded.type === BabylonEventType.BTCDelgationUnbondedEarly) {
      // The union narrows on `type`.
      expect(Number(decoded.value.startHeight)).toBe(880123);
    }
  });

  it("tells Babylon typed events from others and names the problem in a bad one", () => {
    expect(isBabylonTypedEvent("babylon.btcstaking.v1.EventCovenantQuorumReached")).toBe(true);
    expect(isBabylonTypedEvent("wasm-submit_finality_signature")).toBe(false);
    expect(isBabylonTypedEvent("toString")).toBe(false);
    expect(() => decodeTypedEvent({ type: "wasm-x", attributes: [] })).toThrow(
      'not a Babylon typed event this codec knows: "wasm-x"',
    );
    expect(() =>
      decodeTypedEvent({
        type: BabylonEventType.CovenantQuorumReached,
        attributes: [{ key: "new_state", value: "VERIFIED" }],
      }),
    ).toThrow(
      'babylon.btcstaking.v1.EventCovenantQuorumReached: attribute new_state is not JSON: "VERIFIED"',
    );
    expect(() =>
      decodeTypedEvent({
        type: BabylonEventType.CovenantQuorumReached,
        attributes: [{ key: "new_state", value: "5" }],
      }),
    ).toThrow(/EventCovenantQuorumReached\.new_state: expected string, got 5/);
    expect(() =>
      decodeTypedEvent({
        type: BabylonEventType.BTCDelegationStateUpdate,
        attributes: [{ key: "new_state", value: '"GONE"' }],
      }),
    ).toThrow(/unknown babylon\.btcstaking\.v1\.BTCDelegationStatus value "GONE"/);
    expect(() =>
      decodeTypedEvent({
        type: BabylonEventType.BTCDelegationExpired,
        attributes: [{ key: "msg_index", value: "x" }],
      }),
    ).toThrow(/msg_index is not a non-negative integer/);
  });
});
