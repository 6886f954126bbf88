// The thread that reads Babylon for the main thread: the ingester's ranges of blocks and the reconciler's
// delegation lists. Parsing the node's replies and building records from them is most of a backfill's CPU, and
// of a reconciler pass; here it runs beside the main thread's database writes, engine and API.
import { parentPort, workerData } from "node:worker_threads";
import { BabylonBlockReader } from "../../../chains/babylon/block-reader.ts";
import { BabylonQueryClient } from "../../../chains/babylon/query-client.ts";
import { delegationStates } from "../../reconciler/delegation-states.ts";
import { fetchRange } from "./fetch.ts";
import type { FetchRequest, FetchResponse, FetchWorkerSettings } from "./fetcher.ts";

const settings = workerData as FetchWorkerSettings;
const reader = new BabylonBlockReader(settings.rpcUrl);
const queries = new BabylonQueryClient(reader);
const port = parentPort!;

function answer(request: FetchRequest): Promise<unknown> {
  switch (request.kind) {
    case "range":
      return fetchRange(reader, settings.contractAddress, request.from, request.to, settings.concurrency);
    case "delegations":
      return delegationStates(queries, request.fpBtcPk, request.quorum);
  }
}

port.on("message", async (request: FetchRequest) => {
  let response: FetchResponse;
  try {
    response = { id: request.id, answer: await answer(request) };
  } catch (error) {
    response = { id: request.id, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(response);
});
