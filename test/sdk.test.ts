// The SDK's stable names: other programs import these from "op-btc-finality".
import { describe, expect, it } from "vitest";
import * as sdk from "../src/index.ts";

describe("SDK surface", () => {
  it("exposes eots and merkle with the documented signatures, on Uint8Array values", () => {
    const sk = sdk.keys.secretKeyFromMnemonic(sdk.keys.generateMnemonic());
    const pk = sdk.keys.xonlyPublicKey(sk);
    const r1 = sdk.randomness.deriveRandomness(sk, "bsn-1", 7n);
    const m1 = new TextEncoder().encode("block a");
    const m2 = new TextEncoder().encode("block b");
    const s1 = sdk.eots.sign(sk, r1.privRand, m1);
    const s2 = sdk.eots.sign(sk, r1.privRand, m2);
    expect(s1).toBeInstanceOf(Uint8Array);
    expect(sdk.eots.verify(pk, r1.pubRand, m1, s1)).toBe(true);
    expect(sdk.eots.verify(pk, r1.pubRand, m2, s1)).toBe(false);
    const extracted = sdk.eots.extractSecretKey(pk, r1.pubRand, m1, s1, m2, s2);
    expect(sdk.keys.xonlyPublicKey(extracted)).toEqual(pk);

    const items = [1, 2, 3, 4, 5].map((i) => new Uint8Array(32).fill(i));
    const root = sdk.merkle.root(items);
    const proofs = sdk.merkle.proofs(items);
    expect(Object.keys(proofs[3]!).sort()).toEqual(["aunts", "index", "leafHash", "total"]);
    expect(sdk.merkle.verifyProof(root, items[3]!, proofs[3]!)).toBe(true);
    expect(sdk.merkle.verifyProof(root, items[2]!, proofs[3]!)).toBe(false);
  });

  it("exposes the gadget client, the contract client, Babylon codecs, the rules and the service", () => {
    expect(typeof sdk.FinalityGadgetClient).toBe("function");
    expect(typeof sdk.finalityContract.FinalityContractClient).toBe("function");
    expect(typeof sdk.babylon.BabylonQueryClient).toBe("function");
    expect(typeof sdk.finality.votingPowerTable).toBe("function");
    expect(typeof sdk.startService).toBe("function");
    expect(typeof sdk.startDevnet).toBe("function");
    expect(
      sdk.signingContext(
        "fp_fin_vote",
        "bbn-test-5",
        "bbn1exampleexampleexampleexampleexampleexampleexampleexample",
      ),
    ).toBe("fb36cfc1dd5527ebbc728bcec9b8d4a48cd26965a2014178bdee4c45a777ab52");
  });
});
