// One search box for a height, a block hash, a transaction hash or a provider key. A 32-byte 0x hash is a block
// when one is indexed with it, a transaction otherwise; 64 hex digits without 0x are a provider key.
import { query } from "./api.ts";

export async function resolveSearch(input: string): Promise<string> {
  const text = input.trim().replace(/,/g, "");
  if (/^\d+$/.test(text)) return `/blocks/${text}`;
  if (/^[0-9a-fA-F]{64}$/.test(text)) {
    const pk = text.toLowerCase();
    const found = await query<{ finalityProvider: { btcPk: string } | null }>(
      "query($pk: String!) { finalityProvider(btcPk: $pk) { btcPk } }",
      { pk },
    );
    return found.finalityProvider ? `/providers/${pk}` : `/blocks/0x${pk}`;
  }
  if (/^0x[0-9a-fA-F]{64}$/.test(text)) {
    const hash = text.toLowerCase();
    const found = await query<{ block: { height: string } | null }>(
      "query($hash: String!) { block(hash: $hash) { height } }",
      { hash },
    );
    return found.block ? `/blocks/${hash}` : `/tx/${hash}`;
  }
  return `/search?q=${encodeURIComponent(text)}`;
}
