// proto.FinalityGadget for op-node, answered from the database through the shared finality read model.
// Messages are the reference's texts (op-node substring-matches them); status codes say what happened instead
// of the reference's blanket UNKNOWN — op-node only looks at the message, so this changes nothing for it.
import {
  Server,
  ServerCredentials,
  type ServiceError,
  status,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { ReflectionService } from "@grpc/reflection";
import type { Logger } from "../../log.ts";
import { asQueryError, type QueryErrorKind } from "../errors.ts";
import type { BlockInfo, FinalityReader } from "../finality.ts";
import type { GadgetMetrics } from "../metrics.ts";
import { finalityGadgetService, loadFinalityGadgetProto, type WireBlockInfo } from "./proto.ts";

const CODES: Record<QueryErrorKind, status> = {
  invalid_argument: status.INVALID_ARGUMENT,
  not_found: status.NOT_FOUND,
  not_activated: status.FAILED_PRECONDITION,
  unavailable: status.UNAVAILABLE,
};

class ArgumentError extends Error {}

function uint64(name: string, value: unknown): bigint {
  if (typeof value === "string" && /^\d+$/.test(value)) return BigInt(value);
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  throw new ArgumentError(`${name} must be an unsigned 64-bit integer`);
}

function blockFromWire(name: string, wire: Partial<WireBlockInfo> | null | undefined): BlockInfo {
  if (wire === null || wire === undefined) throw new ArgumentError(`${name} is required`);
  return {
    hash: wire.block_hash ?? "",
    height: uint64(`${name}.block_height`, wire.block_height ?? "0"),
    timestamp: uint64(`${name}.block_timestamp`, wire.block_timestamp ?? "0"),
  };
}

function blockToWire(block: BlockInfo): WireBlockInfo {
  return {
    block_hash: block.hash,
    block_height: block.height.toString(),
    block_timestamp: block.timestamp.toString(),
  };
}

export interface GrpcServerHandle {
  address: string;
  port: number;
  close(): Promise<void>;
}

export function finalityGadgetImplementation(
  reader: FinalityReader,
  log: Logger,
  metrics?: GadgetMetrics,
): UntypedServiceImplementation {
  // One wrapper turns every outcome into a reply: user errors keep their text, anything else is INTERNAL.
  const unary =
    <Req, Res>(method: string, handler: (request: Req) => Promise<Res>) =>
    (call: { request: Req }, callback: (error: Partial<ServiceError> | null, value?: Res) => void) => {
      const end = metrics?.apiRequestDuration.startTimer({ api: "grpc", operation: method });
      handler(call.request).then(
        (value) => {
          end?.({ outcome: "ok" });
          callback(null, value);
        },
        (error: unknown) => {
          if (error instanceof ArgumentError) {
            end?.({ outcome: "invalid_argument" });
            callback({ code: status.INVALID_ARGUMENT, details: error.message, message: error.message });
            return;
          }
          const known = asQueryError(error);
          if (known !== undefined) {
            end?.({ outcome: known.kind });
            callback({ code: CODES[known.kind], details: known.message, message: known.message });
            return;
          }
          end?.({ outcome: "internal" });
          log.error({ err: error, method }, "gRPC query failed");
          callback({ code: status.INTERNAL, details: "internal error", message: "internal error" });
        },
      );
    };

  return {
    QueryIsBlockBabylonFinalized: unary(
      "QueryIsBlockBabylonFinalized",
      async (request: { block?: WireBlockInfo | null }) => ({
        is_finalized: await reader.isBlockBabylonFinalized(blockFromWire("block", request.block)),
      }),
    ),
    // Decoded by block-range-codec.ts: the heights are bigints already.
    QueryBlockRangeBabylonFinalized: unary(
      "QueryBlockRangeBabylonFinalized",
      async (request: { blocks: BlockInfo[] }) => ({
        last_finalized_block_height: (await reader.blockRangeFinalized(request.blocks)).toString(),
      }),
    ),
    QueryBtcStakingActivatedTimestamp: unary("QueryBtcStakingActivatedTimestamp", async () => ({
      activated_timestamp: (await reader.activatedTimestamp()).toString(),
    })),
    QueryIsBlockFinalizedByHeight: unary(
      "QueryIsBlockFinalizedByHeight",
      async (request: { block_height?: string }) => ({
        is_finalized: await reader.isFinalizedByHeight(uint64("block_height", request.block_height ?? "0")),
      }),
    ),
    QueryIsBlockFinalizedByHash: unary(
      "QueryIsBlockFinalizedByHash",
      async (request: { block_hash?: string }) => ({
        is_finalized: await reader.isFinalizedByHash(request.block_hash ?? ""),
      }),
    ),
    QueryLatestFinalizedBlock: unary("QueryLatestFinalizedBlock", async () => ({
      block: blockToWire(await reader.requireLatestFinalized()),
    })),
  };
}

/** Starts the gRPC server with reflection; port 0 picks a free port. */
export async function startGrpcServer(options: {
  reader: FinalityReader;
  host: string;
  port: number;
  log: Logger;
  metrics?: GadgetMetrics;
}): Promise<GrpcServerHandle> {
  const definition = loadFinalityGadgetProto();
  const server = new Server();
  server.addService(
    finalityGadgetService(definition),
    finalityGadgetImplementation(options.reader, options.log, options.metrics),
  );
  new ReflectionService(definition).addToServer(server);
  const hostPart = options.host.includes(":") ? `[${options.host}]` : options.host;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${hostPart}:${options.port}`, ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    );
  });
  return {
    address: `${hostPart}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        // Let in-flight calls finish, but never wait on a client that keeps a stream open.
        const timer = setTimeout(() => server.forceShutdown(), 2_000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
