// The finality provider daemon: keystore, double-sign guard, randomness store, voting loop, chain wiring.
export { ensurePrivateDir, fsyncDir, writeFileAtomic } from "./atomic-file.ts";
export { babylonPort, contractPort, hasActiveDelegation, l2Source } from "./chain-ports.ts";
export { runProviderCommand } from "./cli.ts";
export {
  DEFAULT_PASSPHRASE_ENV,
  defaultHome,
  exampleProviderConfig,
  loadProviderConfig,
  type ProviderConfig,
  ProviderConfigError,
  parseProviderConfig,
} from "./config.ts";
export {
  journalNamespace,
  type ProviderRuntime,
  providerPaths,
  registerProvider,
  startProvider,
} from "./daemon.ts";
export { HomeLock, HomeLockedError } from "./home-lock.ts";
export { type HealthReport, type ProviderHttpServer, startProviderHttp } from "./http.ts";
export { ACCOUNT_HD_PATH, type KeyKind, Keystore, KeystoreError, type KeystoreFile } from "./keystore.ts";
export { createProviderMetrics, type ErrorKind, type MissedReason, type ProviderMetrics } from "./metrics.ts";
export { PassphraseError, type PassphraseSources, promptHidden, resolvePassphrase } from "./passphrase.ts";
export {
  commitEnd,
  type RandomnessProof,
  RandomnessStore,
  type StoredCommit,
} from "./randomness-store.ts";
export {
  createFinalityProviderMsg,
  MSG_CREATE_FINALITY_PROVIDER_TYPE_URL,
  moduleAccountAddress,
  msgCreateFinalityProviderType,
  proofOfPossession,
} from "./register.ts";
export {
  type GuardEntry,
  type GuardVerdict,
  inspectJournal,
  type JournalSummary,
  SignGuard,
  SignGuardConflictError,
  SignGuardCorruptError,
} from "./sign-guard.ts";
export {
  type BabylonPort,
  type ContractPort,
  classifyError,
  type FinalityVote,
  gridOf,
  type L2Block,
  type L2Source,
  type L2Tag,
  type MissedHeight,
  type RandomnessCommitRequest,
  SlashedError,
  Voter,
  type VoterDeps,
  type VoterLogger,
  type VoterOptions,
  type VoterStatus,
} from "./voter.ts";
