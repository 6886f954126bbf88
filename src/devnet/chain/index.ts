export { type Account, AuthModule } from "./auth.ts";
export { BankModule } from "./bank.ts";
export type { Block, BlockId, Header } from "./block.ts";
export { txHash } from "./block.ts";
export {
  Chain,
  type ChainOptions,
  type CheckTxResult,
  createChain,
  type IndexedTx,
  type QueryResult,
} from "./chain.ts";
export { addressFromPubkey, moduleAddress } from "./encoding.ts";
export * from "./module.ts";
export { type Condition, matches, parseQuery } from "./query.ts";
export { FEE_COLLECTOR, FEE_DENOM, GAS, type TxResult } from "./tx.ts";
export { CUSTOM_MESSAGE_TYPES, classicContractAddress, WasmModule } from "./wasm.ts";
