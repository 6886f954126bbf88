// Small encoding helpers shared by the chain and its modules.
import { fromBech32, toBech32 } from "@cosmjs/encoding";
import { ripemd160 } from "@noble/hashes/legacy.js";
import { sha256 } from "../../core/crypto/sha256.ts";
import { AbciError, type Coin } from "./module.ts";

export const ADDRESS_PREFIX = "bbn";

/** Cosmos secp256k1 account address: ripemd160(sha256(compressed pubkey)). */
export function addressFromPubkey(pubkey: Uint8Array): string {
  return toBech32(ADDRESS_PREFIX, ripemd160(sha256(pubkey)));
}

/** SDK `address.Module(name)`: sha256(name)[:20]. */
export function moduleAddress(name: string): string {
  return toBech32(ADDRESS_PREFIX, sha256(new TextEncoder().encode(name)).slice(0, 20));
}

export function isValidAddress(address: string): boolean {
  try {
    // An explicit limit: CosmJS's default (Infinity) is rejected by the bech32 library it ships with.
    const { prefix, data } = fromBech32(address, 90);
    return prefix === ADDRESS_PREFIX && (data.length === 20 || data.length === 32);
  } catch {
    return false;
  }
}

/** Throws the SDK's invalid-address error (codespace sdk, code 7) naming the bad input. */
export function requireAddress(address: string, field: string): void {
  if (!isValidAddress(address)) {
    throw new AbciError("sdk", 7, `invalid ${field} address ${JSON.stringify(address)}: invalid address`);
  }
}

/** SDK coin string "100ubbn,5uatom" (empty for no coins). */
export function formatCoins(coins: readonly Coin[]): string {
  return coins.map((c) => `${c.amount}${c.denom}`).join(",");
}

export function parseAmount(amount: string, what: string): bigint {
  if (!/^\d+$/.test(amount))
    throw new AbciError("sdk", 10, `invalid ${what} amount ${JSON.stringify(amount)}: invalid coins`);
  return BigInt(amount);
}

/** CometBFT RFC3339 time with nanoseconds. */
export function rfc3339Nano(time: Date): string {
  return time.toISOString().replace(/\.(\d{3})Z$/, ".$1000000Z");
}

export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export function fromUtf8(bytes: Uint8Array): string {
  return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
}
