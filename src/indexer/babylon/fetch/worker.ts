// The thread that reads Babylon ranges for the ingester. Parsing the node's JSON replies and building records
// from them is most of a backfill's CPU; here it runs beside the main thread's database writes and engine.
import { parentPort, workerData } from "node:worker_threads";
import { BabylonBlockReader } from "../../../chains/babylon/block-reader.ts";
import { fetchRange } from "./fetch.ts";
import type { FetchRequest, FetchResponse, FetchWorkerSettings } from "./fetcher.ts";

const settings = workerData as FetchWorkerSettings;
const reader = new BabylonBlockReader(settings.rpcUrl);
const port = parentPort!;

port.on("message", async (request: FetchRequest) => {
  let response: FetchResponse;
  try {
    const records = await fetchRange(
      reader,
      settings.contractAddress,
      request.from,
      request.to,
      settings.concurrency,
    );
    response = { id: request.id, records };
  } catch (error) {
    response = { id: request.id, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(response);
});
