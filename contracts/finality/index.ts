// The finality contract: message schemas, executable model and typed CosmJS client.
export * from "./client.ts";
export { ContractError } from "./contract-error.ts";
export { JsonSyntaxError, type JsonValue, parseJson, stringifyJson } from "./json.ts";
export * from "./messages.ts";
export {
  type Attribute,
  type BabylonHost,
  CONTRACT_NAME,
  CONTRACT_VERSION,
  type ContractStateJson,
  type Env,
  type ExecuteResult,
  FinalityContract,
  type FinalityProviderInfo,
  isContractError,
  type WasmEvent,
} from "./model.ts";
