// Type-checked with `tsc --noEmit` inside a project that installed the packed tarball: the declarations of both
// entries resolve, and their types are real (the test also checks that a wrong assignment fails).
import { startDevnet, startService } from "op-btc-finality";
import {
  type BlockFinality,
  eots,
  FinalityContractClient,
  FinalityGadgetClient,
  GadgetHttpClient,
  type SyncStatus,
} from "op-btc-finality/client";

const grpc: FinalityGadgetClient = new FinalityGadgetClient("127.0.0.1:50051", { timeoutMs: 1000 });
const latest: Promise<{ height: bigint; hash: string; timestamp: bigint }> = grpc.queryLatestFinalizedBlock();
const block: Promise<BlockFinality | null> = new GadgetHttpClient("http://127.0.0.1:8080").block(1n);
const status: Promise<SyncStatus> = new GadgetHttpClient("http://127.0.0.1:8080").syncStatus();
const signature: Uint8Array = eots.sign(new Uint8Array(32), new Uint8Array(32), new Uint8Array(32));
export const used = [latest, block, status, signature, FinalityContractClient, startDevnet, startService];
