// Addresses as wasmd makes and checks them: classic contract addresses, and the address API a contract calls.
import { fromBech32, toBech32 } from "@cosmjs/encoding";
import { sha256 } from "../../core/crypto/sha256.ts";
import { ADDRESS_PREFIX, utf8 } from "./encoding.ts";
import type { AddressApi } from "./wasm-vm.ts";

/** wasmd's classic address of instance `instanceId` of code `codeId`. */
export function classicContractAddress(codeId: bigint, instanceId: bigint): string {
  const key = new Uint8Array(16);
  const view = new DataView(key.buffer);
  view.setBigUint64(0, codeId);
  view.setBigUint64(8, instanceId);
  const typeHash = sha256(utf8("module"));
  const payload = new Uint8Array([...typeHash, ...utf8("wasm"), 0, ...key]);
  return toBech32(ADDRESS_PREFIX, sha256(payload));
}

/** The Cosmos SDK's address checks, with the texts wasmd's API hands to a contract. */
export const addressApi: AddressApi = {
  validate(address) {
    const canonical = addressApi.canonicalize(address);
    if (typeof canonical === "string") return canonical;
    return addressApi.humanize(canonical) === address ? undefined : "address not normalized";
  },
  canonicalize(address) {
    if (address.trim() === "") return "empty address string is not allowed";
    try {
      const { prefix, data } = fromBech32(address, 90);
      if (prefix !== ADDRESS_PREFIX)
        return `invalid Bech32 prefix; expected ${ADDRESS_PREFIX}, got ${prefix}`;
      if (data.length === 0 || data.length > 255) return `address length must be between 1 and 255 bytes`;
      return data;
    } catch (e) {
      // The SDK's bech32 library words the commonest failure so; other failures keep CosmJS's text.
      const reason = address.includes("1") ? (e as Error).message : "invalid separator index -1";
      return `decoding bech32 failed: ${reason}`;
    }
  },
  humanize(canonical) {
    return toBech32(ADDRESS_PREFIX, canonical, 90);
  },
};
