// The SDK: what other TypeScript programs import from "op-btc-finality". Stable names only; internals stay
// behind their modules.

// The finality contract: messages, executable model, typed CosmJS client.
export * as finalityContract from "../contracts/finality/index.ts";
// The gadget's op-node API as a client (gRPC proto.FinalityGadget).
export {
  FinalityGadgetClient,
  type FinalityGadgetClientOptions,
  isNotActivatedError,
} from "./api/grpc/client.ts";
// Babylon: protobuf codecs for the messages used, typed events, and the query client.
export * as babylon from "./chains/babylon/index.ts";
// Running the gadget and the devnet from a program.
export { type Config, loadConfig } from "./config.ts";
// Crypto core: EOTS, BIP-340, randomness, Merkle commitments, signing contexts and messages.
export {
  bip340,
  bytesToHex,
  CryptoInputError,
  eots,
  finalityVoteMessage,
  fromBase64,
  hexToBytes,
  keys,
  merkle,
  randomness,
  randomnessCommitMessage,
  type SigningOp,
  signingContext,
  toBase64,
} from "./core/crypto/index.ts";
// The finality rules as pure functions.
export * as finality from "./core/finality/index.ts";
export { type Database, type DatabaseOptions, openDatabase } from "./db/database.ts";
export { type Devnet, type DevnetInfo, type DevnetOptions, startDevnet } from "./devnet/index.ts";
export { type DevnetSystem, type DevnetSystemOptions, startDevnetSystem } from "./devnet/system.ts";
export { type GadgetEventMap, GadgetEvents } from "./indexer/runtime/events.ts";
export { type ServiceHandle, startService } from "./service.ts";
