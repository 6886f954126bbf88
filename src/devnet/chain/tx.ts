// Decoding and executing signed Cosmos txs (SIGN_MODE_DIRECT): the SDK 0.50 ante handler (fee, sequence,
// signature, gas) followed by the messages, all-or-nothing, with SDK-shaped events and error codes.

import { secp256k1 } from "@noble/curves/secp256k1.js";
import { TxMsgData } from "cosmjs-types/cosmos/base/abci/v1beta1/abci";
import { PubKey } from "cosmjs-types/cosmos/crypto/secp256k1/keys";
import { SignMode } from "cosmjs-types/cosmos/tx/signing/v1beta1/signing";
import { AuthInfo, SignDoc, TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import type { Any } from "cosmjs-types/google/protobuf/any";
import { toBase64 } from "../../core/crypto/bytes.ts";
import { sha256 } from "../../core/crypto/sha256.ts";
import type { AuthModule } from "./auth.ts";
import type { BankModule } from "./bank.ts";
import { addressFromPubkey, formatCoins, moduleAddress, parseAmount } from "./encoding.ts";
import { AbciError, type AbciEvent, type Coin, type Module, type MsgContext } from "./module.ts";

export const FEE_DENOM = "ubbn";
export const FEE_COLLECTOR = moduleAddress("fee_collector");
/** x/auth default param max_memo_characters. */
const MAX_MEMO_CHARACTERS = 256;

// Deterministic gas schedule: simulate and delivery of the same tx always agree (signatures are counted
// as 64 bytes even when a simulation sends them empty), so CosmJS "auto" gas (x1.4) always suffices.
export const GAS = {
  txBase: 20_000n,
  perTxByte: 10n,
  sigVerify: 1_000n,
  perMessage: 15_000n,
} as const;

export interface TxResult {
  code: number;
  codespace: string;
  log: string;
  info: string;
  /** Encoded TxMsgData on success, empty otherwise. */
  data: Uint8Array;
  gasWanted: bigint;
  gasUsed: bigint;
  events: AbciEvent[];
}

export type TxMode = "check" | "deliver" | "simulate";

export interface DecodedTx {
  body: TxBody;
  authInfo: AuthInfo;
  raw: TxRaw;
  signer: string;
  pubKey: Uint8Array;
  sequence: bigint;
  gasLimit: bigint;
  fee: Coin[];
}

export interface MsgRoute {
  module: Module;
  handler: (value: Uint8Array, ctx: MsgContext) => Uint8Array;
}

export interface TxEnv {
  chainId: string;
  height: bigint;
  time: Date;
  auth: AuthModule;
  bank: BankModule;
  modules: readonly Module[];
  routes: ReadonlyMap<string, MsgRoute>;
  /** Minimum gas price in ubbn per gas unit as a fraction; enforced in CheckTx only, as the SDK does. */
  minGasPrice: { num: bigint; den: bigint };
  /** CheckTx: txs of this signer already in the mempool (their sequences are taken). */
  pendingTxs(signer: string): bigint;
}

/** Parses a fee price like "0.002" into an exact fraction. */
export function parseGasPrice(price: string): { num: bigint; den: bigint } {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(price.trim());
  if (!m)
    throw new Error(`invalid minimum gas price ${JSON.stringify(price)}: expected a decimal like "0.002"`);
  const frac = m[2] ?? "";
  return { num: BigInt(m[1]! + frac), den: 10n ** BigInt(frac.length) };
}

function fail(codespace: string, code: number, log: string): never {
  throw new AbciError(codespace, code, log);
}

/** Decodes TxRaw/TxBody/AuthInfo; throws AbciError(sdk, 2) "tx parse error" on malformed bytes. */
export function decodeTx(txBytes: Uint8Array, routes: ReadonlyMap<string, MsgRoute>): DecodedTx {
  let raw: TxRaw;
  let body: TxBody;
  let authInfo: AuthInfo;
  try {
    raw = TxRaw.decode(txBytes);
    body = TxBody.decode(raw.bodyBytes);
    authInfo = AuthInfo.decode(raw.authInfoBytes);
  } catch (e) {
    return fail("sdk", 2, `${(e as Error).message}: tx parse error`);
  }
  for (const m of body.messages) {
    if (!routes.has(m.typeUrl)) fail("sdk", 2, `unable to resolve type URL ${m.typeUrl}: tx parse error`);
  }
  if (body.messages.length === 0) fail("sdk", 18, "must contain at least one message: invalid request");
  if (authInfo.signerInfos.length !== 1 || raw.signatures.length !== 1) {
    fail("sdk", 4, `wrong number of signers; expected 1, got ${authInfo.signerInfos.length}: unauthorized`);
  }
  const info = authInfo.signerInfos[0]!;
  if (info.publicKey?.typeUrl !== "/cosmos.crypto.secp256k1.PubKey") {
    fail(
      "sdk",
      8,
      `unsupported public key type ${JSON.stringify(info.publicKey?.typeUrl ?? "")}: invalid pubkey`,
    );
  }
  const pubKey = PubKey.decode(info.publicKey.value).key;
  if (pubKey.length !== 33)
    fail("sdk", 8, `secp256k1 public key must be 33 bytes, got ${pubKey.length}: invalid pubkey`);
  const fee = (authInfo.fee?.amount ?? []).map((c) => ({
    denom: c.denom,
    amount: parseAmount(c.amount, "fee"),
  }));
  return {
    body,
    authInfo,
    raw,
    signer: addressFromPubkey(pubKey),
    pubKey,
    sequence: info.sequence,
    gasLimit: authInfo.fee?.gasLimit ?? 0n,
    fee,
  };
}

function txSizeGas(tx: DecodedTx): bigint {
  // Size with every signature counted as 64 bytes, so an unsigned simulation costs what the signed tx does.
  const normalized = TxRaw.encode({
    bodyBytes: tx.raw.bodyBytes,
    authInfoBytes: tx.raw.authInfoBytes,
    signatures: tx.raw.signatures.map(() => new Uint8Array(64)),
  }).finish();
  return BigInt(normalized.length) * GAS.perTxByte;
}

export function messageGas(typeUrl: string, routes: ReadonlyMap<string, MsgRoute>): bigint {
  return GAS.perMessage + (routes.get(typeUrl)?.module.messageGas?.[typeUrl] ?? 0n);
}

/** The `module` attribute of the SDK message event: the proto package segment before the version. */
function moduleOfTypeUrl(typeUrl: string): string {
  const parts = typeUrl.replace(/^\//, "").split(".");
  const v = parts.findIndex((p) => /^v\d/.test(p));
  return (v > 0 ? parts[v - 1] : parts[0]) ?? "";
}

function attrs(type: string, pairs: [string, string][]): AbciEvent {
  return { type, attributes: pairs.map(([key, value]) => ({ key, value, index: true })) };
}

function snapshotAll(modules: readonly Module[]): unknown[] {
  return modules.map((m) => m.snapshot());
}

function restoreAll(modules: readonly Module[], snapshots: unknown[]): void {
  modules.forEach((m, i) => {
    m.restore(snapshots[i]);
  });
}

function errorResult(
  e: unknown,
  gasWanted: bigint,
  gasUsed: bigint,
  events: AbciEvent[],
  prefix = "",
): TxResult {
  const err =
    e instanceof AbciError ? e : new AbciError("undefined", 1, e instanceof Error ? e.message : String(e));
  return {
    code: err.code,
    codespace: err.codespace,
    log: prefix + err.log,
    info: "",
    data: new Uint8Array(),
    gasWanted,
    gasUsed,
    events,
  };
}

/**
 * Runs a tx. check: ante only, state untouched. deliver: ante then messages, committed unless they fail.
 * simulate: everything, no signature check, no gas limit, state untouched.
 */
export function runTx(txBytes: Uint8Array, mode: TxMode, env: TxEnv): TxResult & { signer?: string } {
  let tx: DecodedTx;
  try {
    tx = decodeTx(txBytes, env.routes);
  } catch (e) {
    return errorResult(e, 0n, 0n, []);
  }
  const gasWanted = tx.gasLimit;
  const anteGas = GAS.txBase + txSizeGas(tx) + GAS.sigVerify;
  // The ante handler touches only auth and bank, so CheckTx and delivery snapshot just those before it;
  // a simulation snapshots everything once and rolls back to it at the end.
  const anteModules: readonly Module[] = mode === "simulate" ? env.modules : [env.auth, env.bank];
  const anteSnapshot = snapshotAll(anteModules);
  const anteEvents: AbciEvent[] = [];
  try {
    ante(tx, mode, env, anteGas, anteEvents);
  } catch (e) {
    restoreAll(anteModules, anteSnapshot);
    return { ...errorResult(e, gasWanted, anteGas, []), signer: tx.signer };
  }
  if (mode === "check") {
    restoreAll(anteModules, anteSnapshot);
    return {
      code: 0,
      codespace: "",
      log: "",
      info: "",
      data: new Uint8Array(),
      gasWanted,
      gasUsed: anteGas,
      events: anteEvents,
      signer: tx.signer,
    };
  }

  // In a simulation the ante snapshot (of every module) must stay the most recent one.
  const msgSnapshot = mode === "simulate" ? anteSnapshot : snapshotAll(env.modules);
  let gasUsed = anteGas;
  const msgEvents: AbciEvent[] = [];
  const responses: Any[] = [];
  let index = 0;
  try {
    for (const msg of tx.body.messages) {
      gasUsed += messageGas(msg.typeUrl, env.routes);
      const events: AbciEvent[] = [
        attrs("message", [
          ["action", msg.typeUrl],
          ["sender", tx.signer],
          ["module", moduleOfTypeUrl(msg.typeUrl)],
        ]),
      ];
      const response = dispatchMsg(msg.typeUrl, msg.value, tx.signer, index, env, events, (amount) => {
        gasUsed += amount;
      });
      for (const ev of events) ev.attributes.push({ key: "msg_index", value: String(index), index: true });
      msgEvents.push(...events);
      responses.push({ typeUrl: `${msg.typeUrl}Response`, value: response });
      index++;
    }
    if (mode === "deliver" && gasUsed > gasWanted) {
      fail(
        "sdk",
        11,
        `out of gas in location: txMsgs; gasWanted: ${gasWanted}, gasUsed: ${gasUsed}: out of gas`,
      );
    }
  } catch (e) {
    restoreAll(env.modules, msgSnapshot);
    const prefix =
      e instanceof AbciError && e.code === 11 && e.codespace === "sdk"
        ? ""
        : `failed to execute message; message index: ${index}: `;
    return { ...errorResult(e, gasWanted, gasUsed, anteEvents, prefix), signer: tx.signer };
  }
  if (mode === "simulate") restoreAll(env.modules, anteSnapshot);
  return {
    code: 0,
    codespace: "",
    log: "",
    info: "",
    data: TxMsgData.encode({ data: [], msgResponses: responses }).finish(),
    gasWanted,
    gasUsed,
    events: [...anteEvents, ...msgEvents],
    signer: tx.signer,
  };
}

function dispatchMsg(
  typeUrl: string,
  value: Uint8Array,
  signer: string,
  msgIndex: number,
  env: TxEnv,
  events: AbciEvent[],
  charge: (amount: bigint) => void,
): Uint8Array {
  const route = env.routes.get(typeUrl);
  if (!route) fail("sdk", 2, `unable to resolve type URL ${typeUrl}: tx parse error`);
  const ctx: MsgContext = {
    height: env.height,
    time: env.time,
    chainId: env.chainId,
    signer,
    msgIndex,
    emit(event) {
      events.push({
        type: event.type,
        attributes: event.attributes.map((a) => ({ ...a, index: a.index ?? true })),
      });
    },
    dispatch(nestedType, nestedValue, nestedSigner) {
      charge(messageGas(nestedType, env.routes));
      return dispatchMsg(nestedType, nestedValue, nestedSigner ?? signer, msgIndex, env, events, charge);
    },
    consumeGas: charge,
    eventMark: () => events.length,
    dropEventsFrom(mark) {
      events.length = Math.min(events.length, mark);
    },
  };
  return route.handler(value, ctx);
}

function ante(tx: DecodedTx, mode: TxMode, env: TxEnv, anteGas: bigint, events: AbciEvent[]): void {
  const timeout = tx.body.timeoutHeight;
  if (timeout > 0n && env.height > timeout) {
    fail("sdk", 30, `block height: ${env.height}, timeout height: ${timeout}: tx timeout height`);
  }
  const memoLength = [...tx.body.memo].length;
  if (memoLength > MAX_MEMO_CHARACTERS) {
    fail(
      "sdk",
      12,
      `maximum number of characters is ${MAX_MEMO_CHARACTERS} but received ${memoLength} characters: memo too large`,
    );
  }
  if (mode !== "simulate" && tx.gasLimit < anteGas) {
    fail(
      "sdk",
      11,
      `out of gas in location: txSize; gasWanted: ${tx.gasLimit}, gasUsed: ${anteGas}: out of gas`,
    );
  }
  const account = env.auth.get(tx.signer);
  if (!account) fail("sdk", 9, `account ${tx.signer} does not exist: unknown address`);

  const feeOther = tx.fee.find((c) => c.denom !== FEE_DENOM);
  const feeAmount = tx.fee.find((c) => c.denom === FEE_DENOM)?.amount ?? 0n;
  if (mode === "check") {
    const { num, den } = env.minGasPrice;
    const required = (tx.gasLimit * num + den - 1n) / den;
    if (feeOther || feeAmount < required) {
      fail(
        "sdk",
        13,
        `insufficient fees; got: ${formatCoins(tx.fee) || "0" + FEE_DENOM} required: ${required}${FEE_DENOM}: insufficient fee`,
      );
    }
  }
  const fee = tx.fee.filter((c) => c.amount > 0n);
  if (fee.length > 0) {
    try {
      env.bank.transfer(tx.signer, FEE_COLLECTOR, fee, { emit: (e) => events.push(e) });
    } catch (e) {
      if (e instanceof AbciError && e.code === 5) fail("sdk", 5, `${e.log}: insufficient funds`);
      throw e;
    }
    events.push(attrs("message", [["sender", tx.signer]]));
  }
  events.push(
    attrs("tx", [
      ["fee", formatCoins(tx.fee)],
      ["fee_payer", tx.signer],
    ]),
  );

  const expected = account.sequence + (mode === "check" ? env.pendingTxs(tx.signer) : 0n);
  if (tx.sequence !== expected) {
    fail(
      "sdk",
      32,
      `account sequence mismatch, expected ${expected}, got ${tx.sequence}: incorrect account sequence`,
    );
  }
  if (mode !== "simulate") {
    // A simulation carries no real signature, so its sign mode is left unspecified by CosmJS.
    if (tx.authInfo.signerInfos[0]?.modeInfo?.single?.mode !== SignMode.SIGN_MODE_DIRECT) {
      fail("sdk", 18, "only SIGN_MODE_DIRECT signatures are accepted by the devnet: invalid request");
    }
    const signDoc = SignDoc.encode({
      bodyBytes: tx.raw.bodyBytes,
      authInfoBytes: tx.raw.authInfoBytes,
      chainId: env.chainId,
      accountNumber: account.accountNumber,
    }).finish();
    const signature = tx.raw.signatures[0]!;
    let valid = false;
    try {
      // The sign doc hashed natively: a 250-vote tx's is ~200 KB, which JavaScript SHA-256 takes ms over.
      valid =
        signature.length === 64 &&
        secp256k1.verify(signature, sha256(signDoc), tx.pubKey, { prehash: false });
    } catch {
      valid = false;
    }
    if (!valid) {
      fail(
        "sdk",
        4,
        `signature verification failed; please verify account number (${account.accountNumber}), sequence (${expected}) and chain-id (${env.chainId}): unauthorized`,
      );
    }
  }
  events.push(attrs("tx", [["acc_seq", `${tx.signer}/${tx.sequence}`]]));
  events.push(attrs("tx", [["signature", toBase64(tx.raw.signatures[0] ?? new Uint8Array())]]));
  env.auth.recordSignature(tx.signer, tx.pubKey);
}
