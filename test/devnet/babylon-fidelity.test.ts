// Devnet behaviour checked against Babylon v3's protos and code.
import { describe, expect, it } from "vitest";
import { MsgCreateFinalityProvider } from "../../src/chains/babylon/btcstaking.ts";
import { typedEmitter } from "../../src/devnet/babylon/emit.ts";
import { createBabylon } from "../../src/devnet/babylon/index.ts";
import { BtcHeaderChain } from "../../src/devnet/btc.ts";
import type { AbciEvent, MsgContext } from "../../src/devnet/chain/module.ts";

describe("MsgCreateFinalityProvider", () => {
  const babylon = createBabylon({ chainId: "bbn-test-1", bsnId: "op-test-1", btc: new BtcHeaderChain({}) });
  const handle = babylon.staking.messages["/babylon.btcstaking.v1.MsgCreateFinalityProvider"];
  const msg = MsgCreateFinalityProvider.encode({
    addr: "bbn1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqkrsgss",
    btcPk: new Uint8Array(32).fill(7),
    commission: {
      rate: "50000000000000000",
      maxRate: "200000000000000000",
      maxChangeRate: "10000000000000000",
    },
    bsnId: "",
  });

  it("refuses the old bsn_id field number 6 as an unknown critical field, as the SDK does", () => {
    const bsn = new TextEncoder().encode("op-test-1");
    const old = Uint8Array.from([...msg, (6 << 3) | 2, bsn.length, ...bsn]);
    expect(() => handle(old, {} as MsgContext)).toThrow(
      'errUnknownField "*types.MsgCreateFinalityProvider": {TagNum: 6, WireType:"bytes"}: tx parse error',
    );
  });
});

describe("events Babylon v3 emits", () => {
  it("jailing a provider emits finality.EventJailedFinalityProvider before the status change", () => {
    const babylon = createBabylon({ chainId: "bbn-test-1", bsnId: "op-test-1", btc: new BtcHeaderChain({}) });
    const events: AbciEvent[] = [];
    const emit = typedEmitter({ emit: (e) => events.push(e) });
    const pk = "ab".repeat(32);
    babylon.staking.staking.addProvider(
      {
        btcPkHex: pk,
        addr: "bbn1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqkrsgss",
        description: { moniker: "fp", identity: "", website: "", securityContact: "", details: "" },
        commission: 5n * 10n ** 16n,
        maxRate: 2n * 10n ** 17n,
        maxChangeRate: 10n ** 16n,
        commissionUpdateTime: new Date(0),
        popSigType: 0,
        popSigHex: "",
        bsnId: "op-test-1",
        jailed: false,
        slashedBabylonHeight: 0n,
        slashedBtcHeight: 0,
        registeredHeight: 1n,
      },
      emit,
    );
    events.length = 0;
    babylon.staking.staking.jail(pk, true, emit);
    expect(events.map((e) => e.type)).toEqual([
      "babylon.finality.v1.EventJailedFinalityProvider",
      "babylon.btcstaking.v1.EventFinalityProviderStatusChange",
    ]);
    expect(events[0]!.attributes).toEqual([{ key: "public_key", value: `"${pk}"` }]);
  });
});
