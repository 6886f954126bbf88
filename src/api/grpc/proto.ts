// Loads finalitygadget.proto once with the options both the server and the client rely on: field names as
// written (snake_case) and uint64 as decimal strings, so no height loses precision through a JS number.
import { fileURLToPath } from "node:url";
import {
  type GrpcObject,
  loadPackageDefinition,
  type ServiceClientConstructor,
  type ServiceDefinition,
} from "@grpc/grpc-js";
import { loadSync, type Options, type PackageDefinition } from "@grpc/proto-loader";
import { decodeBlockRangeRequest, encodeBlockRangeRequest } from "./block-range-codec.ts";

export const PROTO_PATH = fileURLToPath(new URL("./finalitygadget.proto", import.meta.url));
export const SERVICE_NAME = "proto.FinalityGadget";

export const PROTO_LOADER_OPTIONS: Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

export function loadFinalityGadgetProto(): PackageDefinition {
  return loadSync(PROTO_PATH, PROTO_LOADER_OPTIONS);
}

/**
 * The service as server and client use it: proto-loader's codecs, except the range query's request, which
 * block-range-codec.ts turns straight into BlockInfo values (bigint heights) and back.
 */
export function finalityGadgetService(definition = loadFinalityGadgetProto()): ServiceDefinition {
  const proto = loadPackageDefinition(definition).proto as GrpcObject;
  const service = (proto.FinalityGadget as ServiceClientConstructor).service;
  return {
    ...service,
    QueryBlockRangeBabylonFinalized: {
      ...service.QueryBlockRangeBabylonFinalized!,
      requestSerialize: encodeBlockRangeRequest,
      requestDeserialize: decodeBlockRangeRequest,
    },
  };
}

/** BlockInfo as it crosses the wire with these options. */
export interface WireBlockInfo {
  block_hash: string;
  block_height: string;
  block_timestamp: string;
}
