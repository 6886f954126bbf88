// The finality contract for its users: message types and codecs, the typed CosmJS client, vote/commit
// signing, error classification, and the real compiled bytecode (wasm/, Babylon Labs' BUSL-1.1 code).
export { FINALITY_BYTECODE, finalityContractCode } from "./bytecode.ts";
export * from "./client.ts";
export { ContractError, type ContractErrorKind, classifyContractError } from "./contract-error.ts";
export { JsonSyntaxError, type JsonValue, parseJson, stringifyJson } from "./json.ts";
export * from "./messages.ts";
