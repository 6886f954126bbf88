// The campaign's allow-list fault against the devnet: the contract admin's tx whose reply an RPC fault dropped
// can sit in the mempool while Babylon is held, and every retry is refused until it lands. The 30-minute run
// `long3` logged that as an injection failure and left the provider off the allow-list with no undo.
import { SigningCosmWasmClient } from "@cosmjs/cosmwasm";
import { toHex } from "@cosmjs/encoding";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { calculateFee, GasPrice } from "@cosmjs/stargate";
import { sha256 } from "@noble/hashes/sha2.js";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type InjectionTarget, Injectors } from "../../src/chaos/injectors.ts";
import { keys } from "../../src/core/crypto/index.ts";
import { type Devnet, startDevnet } from "../../src/devnet/devnet.ts";

let devnet: Devnet;

async function admin(path: string, body: unknown = {}): Promise<void> {
  const res = await fetch(`${devnet.info.adminUrl}${path}`, { method: "POST", body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
}

beforeAll(async () => {
  devnet = await startDevnet({ blockIntervalMs: 40, btcBlockIntervalMs: 0, accounts: 1, l2: false });
});

afterAll(async () => {
  await devnet?.stop();
});

describe("the allow-list fault", () => {
  it("waits out a held Babylon when its first try reached the mempool, and its undo adds the provider back", async () => {
    const { info } = devnet;
    const pk = toHex(keys.xonlyPublicKey(sha256(new TextEncoder().encode("chaos allowlist: held"))));
    await admin("/providers", { btcPkHex: pk });
    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(info.contractAdmin.mnemonic, { prefix: "bbn" });
    const client = await SigningCosmWasmClient.connectWithSigner(info.babylon.rpcUrl, wallet);
    const listed = async () =>
      (
        (await client.queryContractSmart(info.contractAddress, {
          allowed_finality_providers: {},
        })) as string[]
      )
        .map((k) => k.toLowerCase())
        .includes(pk);
    expect(await listed()).toBe(true);

    // Babylon held, and the removal already broadcast by a try whose reply never came back.
    await admin("/babylon/pause");
    const msg = {
      typeUrl: "/cosmwasm.wasm.v1.MsgExecuteContract",
      value: {
        sender: info.contractAdmin.address,
        contract: info.contractAddress,
        msg: new TextEncoder().encode(
          JSON.stringify({ remove_from_allowlist: { fp_pubkey_hex_list: [pk] } }),
        ),
        funds: [],
      },
    };
    const fee = calculateFee(500_000, GasPrice.fromString("0.002ubbn"));
    const signed = await client.sign(info.contractAdmin.address, [msg], fee, "");
    await client.broadcastTxSync(TxRaw.encode(signed).finish());

    const target = {
      adminUrl: info.adminUrl,
      babylonRpcUrl: info.babylon.rpcUrl,
      contractAddress: info.contractAddress,
      contractAdminMnemonic: info.contractAdmin.mnemonic,
      providers: [{ btcPkHex: pk, process: undefined as never }],
      slashable: 0,
      slashedOnPurpose: new Set<string>(),
    } as unknown as InjectionTarget;
    const injectors = new Injectors(target);
    try {
      const injected = injectors.inject({
        atMs: 0,
        kind: "allowlist_change",
        durationMs: 0,
        params: { provider: 0 },
      });
      // Longer than the ten one-second retries the fault used to give up after.
      await new Promise((r) => setTimeout(r, 15_000));
      await admin("/babylon/resume");
      const undo = await injected;
      expect(await listed()).toBe(false);
      await undo();
      expect(await listed()).toBe(true);
    } finally {
      await injectors.close();
      client.disconnect();
    }
  }, 90_000);
});
