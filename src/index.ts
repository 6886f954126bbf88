// The SDK: what other TypeScript programs import from "op-btc-finality". Stable names only; internals stay
// behind their modules. The root entry is everything: the client entry ("op-btc-finality/client": gadget
// clients, contract messages and client, crypto) plus running the gadget and the devnet from a program.

// The finality contract as one namespace, the executable model included.
export * as finalityContract from "../contracts/finality/index.ts";
// Babylon: protobuf codecs for the messages used, typed events, and the query client.
export * as babylon from "./chains/babylon/index.ts";
export * from "./client.ts";
// Running the gadget and the devnet from a program.
export { type Config, loadConfig } from "./config.ts";
// The finality rules as pure functions.
export * as finality from "./core/finality/index.ts";
export { type Database, type DatabaseOptions, openDatabase } from "./db/database.ts";
export { type Devnet, type DevnetInfo, type DevnetOptions, startDevnet } from "./devnet/index.ts";
export { type DevnetSystem, type DevnetSystemOptions, startDevnetSystem } from "./devnet/system.ts";
export { type GadgetEventMap, GadgetEvents } from "./indexer/runtime/events.ts";
export { type ServiceHandle, startService } from "./service.ts";
