import { toBech32 } from "@cosmjs/encoding";
import { Registry } from "@cosmjs/proto-signing";
import { describe, expect, it } from "vitest";
import { hasActiveDelegation } from "../../provider/chain-ports.ts";
import { startProviderHttp } from "../../provider/http.ts";
import { createProviderMetrics } from "../../provider/metrics.ts";
import {
  createFinalityProviderMsg,
  MSG_CREATE_FINALITY_PROVIDER_TYPE_URL,
  moduleAccountAddress,
  msgCreateFinalityProviderType,
} from "../../provider/register.ts";
import { BTCDelegationResponse, MsgCreateFinalityProvider } from "../../src/chains/babylon/btcstaking.ts";
import { xonlyPublicKey } from "../../src/core/crypto/keys.ts";
import { verifyPop } from "../../src/devnet/babylon/pop.ts";
import { moduleAddress } from "../../src/devnet/chain/encoding.ts";
import { SK } from "./harness.ts";

const ADDR = toBech32("bbn", new Uint8Array(20).fill(7));

describe("registration message", () => {
  const input = {
    addr: ADDR,
    eotsSecretKey: SK,
    babylonChainId: "bbn-devnet-1",
    bsnId: "op-stack-l2-901",
    description: { moniker: "fp-1", identity: "", website: "", securityContact: "", details: "" },
    commission: { rate: "0.05", maxRate: "0.2", maxChangeRate: "0.01" },
  };

  it("carries a proof of possession the devnet's Babylon accepts, for this account and chain only", () => {
    const msg = createFinalityProviderMsg(input);
    expect(moduleAccountAddress("btcstaking")).toBe(moduleAddress("btcstaking"));
    expect(msg.btcPk).toEqual(xonlyPublicKey(SK));
    expect(verifyPop(msg.pop!.btcSigType, msg.pop!.btcSig, msg.btcPk, "bbn-devnet-1", ADDR)).toEqual({
      ok: true,
    });
    expect(verifyPop(msg.pop!.btcSigType, msg.pop!.btcSig, msg.btcPk, "bbn-other", ADDR).ok).toBe(false);
    expect(msg.commission.rate).toBe("50000000000000000");
    expect(msg.bsnId).toBe("op-stack-l2-901");
  });

  it("round-trips through a CosmJS Registry as /babylon.btcstaking.v1.MsgCreateFinalityProvider", () => {
    const registry = new Registry([[MSG_CREATE_FINALITY_PROVIDER_TYPE_URL, msgCreateFinalityProviderType]]);
    const value = createFinalityProviderMsg(input);
    const any = registry.encodeAsAny({ typeUrl: MSG_CREATE_FINALITY_PROVIDER_TYPE_URL, value });
    expect(any.value).toEqual(MsgCreateFinalityProvider.encode(value));
    expect(MsgCreateFinalityProvider.decode(any.value)).toEqual(value);
  });
});

describe("voting power (active delegation, reference §5.4)", () => {
  const sigs = (n: number) =>
    Array.from({ length: n }, () => ({ covPk: new Uint8Array(32).fill(2), adaptorSigs: [] }));
  const del = (cov: number, unbonded = false) =>
    BTCDelegationResponse.fromPartial({
      totalSat: 100_000n,
      covenantSigs: sigs(cov),
      undelegationResponse: {
        covenantUnbondingSigList: Array.from({ length: cov }, () => ({
          pk: new Uint8Array(32),
          sig: new Uint8Array(64),
        })),
        covenantSlashingSigs: sigs(cov),
        ...(unbonded ? { delegatorUnbondingInfoResponse: { spendStakeTxHex: "00" } } : {}),
      },
    });

  it("needs a covenant quorum on every signature set and no early unbonding", () => {
    expect(hasActiveDelegation([], 2)).toBe(false);
    expect(hasActiveDelegation([del(1)], 2)).toBe(false);
    expect(hasActiveDelegation([del(2, true)], 2)).toBe(false);
    expect(hasActiveDelegation([del(1), del(2)], 2)).toBe(true);
  });
});

describe("/metrics and /health", () => {
  it("serves Prometheus text and a health report with 503 when unhealthy", async () => {
    const metrics = createProviderMetrics();
    metrics.votesSent.inc(3);
    let healthy = true;
    const server = await startProviderHttp("127.0.0.1:0", metrics.registry, () => ({
      healthy,
      nextHeight: 7n,
    }));
    try {
      const m = await fetch(`${server.url}/metrics`);
      expect(m.status).toBe(200);
      expect(await m.text()).toContain("obf_provider_votes_sent_total 3");
      const h = await fetch(`${server.url}/health`);
      expect(h.status).toBe(200);
      expect(await h.json()).toEqual({ healthy: true, nextHeight: "7" });
      healthy = false;
      expect((await fetch(`${server.url}/health`)).status).toBe(503);
      expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
