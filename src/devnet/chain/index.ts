// The devnet's Babylon chain core. Typical use:
//   const chain = createChain({ chainId, blockIntervalMs: 1000, stateDir, modules: [...babylonModules, new WasmModule(host)],
//     genesisAccounts });
//   // genesis work at height 0 (e.g. wasm.storeCode + wasm.instantiate), then:
//   chain.start();
//   const rpc = await startRpcServer(chain, { host: "127.0.0.1", port: 0 }); // from ../rpc/index.ts
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
export { WasmModule } from "./wasm.ts";
export { classicContractAddress } from "./wasm-address.ts";
export { CUSTOM_MESSAGE_TYPES } from "./wasm-dispatch.ts";
