// The finality contract hosted on the devnet chain and served over CometBFT RPC, for provider tests that
// talk to it through CosmJS (in process, or from a child process that gets killed).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SigningCosmWasmClient } from "@cosmjs/cosmwasm";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { GasPrice } from "@cosmjs/stargate";
import { finalityContractCode } from "../../contracts/finality/bytecode.ts";
import { FinalityContractClient } from "../../contracts/finality/client.ts";
import { type Chain, createChain, WasmModule } from "../../src/devnet/chain/index.ts";
import { SandboxBabylon } from "../../src/devnet/contract-sandbox.ts";
import { type RpcServer, startRpcServer } from "../../src/devnet/rpc/index.ts";
import { BSN, PK } from "./harness.ts";

export const DEVNET_CHAIN_ID = "bbn-devnet-provider";
export const ACCOUNT_MNEMONIC =
  "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
export const GAS_PRICE = "0.002ubbn";

/** The Babylon state the contract reads: the provider under test, epoch 1 finalized. */
export class Host extends SandboxBabylon {
  constructor() {
    super();
    this.providers.set(PK, { bsnId: BSN, slashedBabylonHeight: 0n, slashedBtcHeight: 0 });
  }
}

export interface DevnetContract {
  host: Host;
  chain: Chain;
  rpcUrl: string;
  client: SigningCosmWasmClient;
  sender: string;
  contractAddress: string;
  query: FinalityContractClient;
  close(): Promise<void>;
}

export async function connectAccount(rpcUrl: string) {
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(ACCOUNT_MNEMONIC, { prefix: "bbn" });
  const sender = (await wallet.getAccounts())[0]!.address;
  const client = await SigningCosmWasmClient.connectWithSigner(rpcUrl, wallet, {
    gasPrice: GasPrice.fromString(GAS_PRICE),
    broadcastPollIntervalMs: 50,
  });
  return { client, sender };
}

export async function startDevnetContract(grid: {
  activation: number;
  interval: number;
}): Promise<DevnetContract> {
  const host = new Host();
  const stateDir = mkdtempSync(join(tmpdir(), "provider-devnet-"));
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(ACCOUNT_MNEMONIC, { prefix: "bbn" });
  const address = (await wallet.getAccounts())[0]!.address;
  const chain: Chain = createChain({
    chainId: DEVNET_CHAIN_ID,
    blockIntervalMs: 50,
    stateDir,
    modules: [
      new WasmModule({
        chainQuery: (path, data, height) => chain.query(path, data, height),
        babylon: host.queries(),
      }),
      host.module(),
    ],
    genesisAccounts: [{ address, coins: [{ denom: "ubbn", amount: 100_000_000_000n }] }],
  });
  chain.start();
  const rpc: RpcServer = await startRpcServer(chain, { port: 0 });
  const { client, sender } = await connectAccount(rpc.url);
  const upload = await client.upload(sender, finalityContractCode(), "auto");
  const inst = await client.instantiate(
    sender,
    upload.codeId,
    {
      admin: sender,
      bsn_id: BSN,
      min_pub_rand: 10,
      rate_limiting_interval: 10000,
      max_msgs_per_interval: 10000,
      bsn_activation_height: grid.activation,
      finality_signature_interval: grid.interval,
      allowed_finality_providers: [PK],
    },
    "finality",
    "auto",
  );
  return {
    host,
    chain,
    rpcUrl: rpc.url,
    client,
    sender,
    contractAddress: inst.contractAddress,
    query: new FinalityContractClient(client, sender, inst.contractAddress),
    async close() {
      client.disconnect();
      await rpc.close();
      chain.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
