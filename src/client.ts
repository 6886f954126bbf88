// The client entry, "op-btc-finality/client": what a program needs to read finality from a gadget, talk to the
// finality contract and sign or verify EOTS votes. Nothing here reaches the database, the indexer, the servers
// or the devnet, so a program importing it loads none of Prisma, pg, PGlite or anvil (a test walks the compiled
// import graph to hold this). Everything, including running the gadget, is in the root entry.

// The finality contract: message types and codecs, signing of votes and commitments, the typed CosmJS client.
export * from "../contracts/finality/client.ts";
export { ContractError } from "../contracts/finality/contract-error.ts";
export { JsonSyntaxError, type JsonValue, parseJson, stringifyJson } from "../contracts/finality/json.ts";
export * from "../contracts/finality/messages.ts";
export * from "../contracts/finality/signing.ts";
// The gadget's op-node API (gRPC proto.FinalityGadget).
export {
  type BlockInfo,
  FinalityGadgetClient,
  type FinalityGadgetClientOptions,
  isNotActivatedError,
} from "./api/grpc/client.ts";
// The gadget's REST and GraphQL APIs with typed results.
export * from "./api/http/client.ts";
// Crypto: EOTS, BIP-340, randomness, Merkle commitments, signing contexts and messages.
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
