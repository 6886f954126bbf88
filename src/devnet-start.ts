// `npm start` with no chain configured: the devnet with four finality providers of different stakes (the real
// provider daemon), the gadget on an embedded database, and its APIs — then one live line of progress.
import { join } from "node:path";
import { untilSignal } from "./cli-signal.ts";
import type { Config } from "./config.ts";
import { startDevnetSystem } from "./devnet/system.ts";
import type { Logger } from "./log.ts";
import { startService } from "./service.ts";
import { readState } from "./store/state.ts";

export async function runDevnetSystem(config: Config, log: Logger): Promise<void> {
  const dir = join(config.database.data_dir, "devnet");
  const quiet = log.child({}, { level: config.log.level === "info" ? "warn" : config.log.level });
  const system = await startDevnetSystem({
    dir,
    log: quiet,
    providers: [
      { stakeSat: 4_000_000_000n, moniker: "satoshi-vault" },
      { stakeSat: 3_000_000_000n, moniker: "hodl-stake" },
      { stakeSat: 2_000_000_000n, moniker: "orange-pill" },
      { stakeSat: 1_000_000_000n, moniker: "lightning-fp" },
    ],
    // BTC staking activates at a future L2 height, as on a real BSN: the L2 waits until the providers have
    // registered and their randomness is BTC-timestamped, so finality starts at the activation height.
    devnet: {
      blockIntervalMs: 500,
      btcBlockIntervalMs: 2_000,
      activationHeight: 10n,
      finalitySignatureInterval: 2n,
    },
  });
  const info = system.devnet.info;
  const gadgetConfig: Config = {
    ...config,
    l2: { ...config.l2, rpc_url: info.l2!.rpcUrl, poll_interval_ms: 500 },
    babylon: {
      ...config.babylon,
      rpc_url: info.babylon.rpcUrl,
      chain_id: info.babylon.chainId,
      contract_address: info.contractAddress,
      poll_interval_ms: 250,
      reconcile_interval_ms: 5_000,
    },
  };
  // A fresh chain every start: the embedded database must not hold another chain's history.
  const service = await startService(gadgetConfig, quiet, { memoryDb: !config.database.url });
  console.log(`Explorer  ${service.httpUrl}/   (open it in a browser)`);
  console.log(`GraphQL   ${service.httpUrl}/graphql   (GraphiQL in a browser)`);
  console.log(`gRPC      ${service.grpcAddress}   (proto.FinalityGadget for op-node)`);
  console.log(
    `REST      ${service.httpUrl}/v1/chainSyncStatus   health ${service.httpUrl}/ready   metrics ${service.httpUrl}/metrics`,
  );
  console.log(`Devnet    Babylon ${info.babylon.rpcUrl}   L2 ${info.l2!.rpcUrl}   admin ${info.adminUrl}`);
  const live = setInterval(async () => {
    const [head, finalized] = await Promise.all([
      readState(service.db.prisma, "l2_head_height"),
      readState(service.db.prisma, "finalized_height"),
    ]).catch(() => [undefined, undefined]);
    const line = `L2 head ${head ?? "-"}   BTC-finalized ${finalized ?? "-"}`;
    if (process.stdout.isTTY) process.stdout.write(`\r${line}   `);
    else console.log(line);
  }, 1_000);
  await untilSignal();
  clearInterval(live);
  process.stdout.write("\n");
  await service.stop();
  await system.stop();
}
