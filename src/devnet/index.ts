// The local devnet: Babylon emulator (CometBFT RPC + Babylon modules + finality contract), anvil L2,
// BTC header chain and admin API. The admin endpoints are documented in the README.
export { type AdminServer, type AdminTarget, startAdminServer } from "./admin.ts";
export { type Anvil, type AnvilOptions, anvilBinaryPath, startAnvil } from "./anvil.ts";
export { type Babylon, type BabylonOptions, createBabylon, defaultStakingParams } from "./babylon/index.ts";
export { type BtcChainOptions, type BtcChainState, type BtcHeader, BtcHeaderChain } from "./btc.ts";
export {
  accountAddress,
  type Devnet,
  type DevnetInfo,
  type DevnetOptions,
  runDevnetCommand,
  startDevnet,
} from "./devnet.ts";
