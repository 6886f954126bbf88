// wasmd's events for what a contract answers: its attributes as a `wasm` event and each of its events as
// `wasm-<type>`, both tagged with the contract's address, with wasmd's checks on keys and types.
import { AbciError, type BlockContext } from "./module.ts";

/** An event attribute as wasmd emits it (indexed). */
export function attr(key: string, value: string) {
  return { key, value, index: true };
}

interface ContractResponse {
  attributes: { key: string; value: string }[];
  events: { type: string; attributes: { key: string; value: string }[] }[];
}

export function emitResponseEvents(
  address: string,
  response: Pick<ContractResponse, "attributes" | "events">,
  ctx: BlockContext,
): void {
  const checked = (attributes: { key: string; value: string }[]) =>
    attributes.map((a) => {
      if (a.key.trim() === "")
        throw new AbciError("wasm", 30, "Event attribute key must not be empty: invalid event");
      if (a.key.startsWith("_"))
        throw new AbciError(
          "wasm",
          30,
          `Event attribute key ${a.key} starts with reserved prefix _: invalid event`,
        );
      return attr(a.key, a.value);
    });
  if (response.attributes.length > 0) {
    ctx.emit({
      type: "wasm",
      attributes: [attr("_contract_address", address), ...checked(response.attributes)],
    });
  }
  for (const event of response.events) {
    if (event.type.trim().length < 2) throw new AbciError("wasm", 30, "Event type too short: invalid event");
    ctx.emit({
      type: `wasm-${event.type}`,
      attributes: [attr("_contract_address", address), ...checked(event.attributes)],
    });
  }
}
