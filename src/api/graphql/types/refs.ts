// Object references and connections, declared once so the type files can refer to each other.
import { builder } from "../builder.ts";
import type {
  BtcDelegation,
  Equivocation,
  FinalityProvider,
  FinalitySignature,
  L2Block,
  PubRandCommit,
} from "../context.ts";

export const BlockRef = builder.objectRef<L2Block>("Block");
export const SignatureRef = builder.objectRef<FinalitySignature>("FinalitySignature");
export const ProviderRef = builder.objectRef<FinalityProvider>("FinalityProvider");
export const DelegationRef = builder.objectRef<BtcDelegation>("Delegation");
export const EquivocationRef = builder.objectRef<Equivocation>("Equivocation");
export const PubRandRef = builder.objectRef<PubRandCommit>("PubRandCommit");

export const BlockConnection = builder.connectionObject(
  { type: BlockRef, name: "BlockConnection" },
  { name: "BlockEdge" },
);
export const SignatureConnection = builder.connectionObject(
  { type: SignatureRef, name: "FinalitySignatureConnection" },
  { name: "FinalitySignatureEdge" },
);
export const ProviderConnection = builder.connectionObject(
  { type: ProviderRef, name: "FinalityProviderConnection" },
  { name: "FinalityProviderEdge" },
);
export const DelegationConnection = builder.connectionObject(
  { type: DelegationRef, name: "DelegationConnection" },
  { name: "DelegationEdge" },
);
export const EquivocationConnection = builder.connectionObject(
  { type: EquivocationRef, name: "EquivocationConnection" },
  { name: "EquivocationEdge" },
);
export const PubRandConnection = builder.connectionObject(
  { type: PubRandRef, name: "PubRandCommitConnection" },
  { name: "PubRandCommitEdge" },
);
