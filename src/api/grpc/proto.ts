// Loads finalitygadget.proto once with the options both the server and the client rely on: field names as
// written (snake_case) and uint64 as decimal strings, so no height loses precision through a JS number.
import { fileURLToPath } from "node:url";
import { loadSync, type Options, type PackageDefinition } from "@grpc/proto-loader";

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

/** BlockInfo as it crosses the wire with these options. */
export interface WireBlockInfo {
  block_hash: string;
  block_height: string;
  block_timestamp: string;
}
