// The kinds of unreadable event the fault campaign injects (`malformed_event`) and the issue names: a truncated
// attribute key, a non-numeric number, an unknown enum value, in a staking event and in a contract event. Each
// must come out of decoding as malformed and power-changing (so the Babylon stage stops at it), never as a
// record with a default in place of what could not be read.
import { describe, expect, it } from "vitest";
import type { BabylonBlock } from "../../../src/chains/babylon/block-reader.ts";
import { MALFORMED_EVENT_KINDS, malformedEvent } from "../../../src/devnet/babylon/malformed.ts";
import type { AbciEvent } from "../../../src/devnet/chain/module.ts";
import { recordsOfBlock } from "../../../src/indexer/babylon/records.ts";

const CONTRACT = "bbn1contract";

function blockWith(event: AbciEvent): BabylonBlock {
  return {
    height: 7n,
    time: new Date(7_000),
    txs: [],
    txResults: [{ code: 0, events: [event] }],
    blockEvents: [],
  };
}

describe("unreadable Babylon events", () => {
  it.each(MALFORMED_EVENT_KINDS)("%s: reported malformed and power-changing, nothing recorded", (kind) => {
    const event = malformedEvent(kind, { stakingTxHash: "00".repeat(32), contractAddress: CONTRACT });
    const records = recordsOfBlock(blockWith(event), CONTRACT);
    expect(records.malformed).toEqual([
      expect.objectContaining({ babylonHeight: 7n, eventType: event.type, changesPower: true }),
    ]);
    expect(records.delegationChanges).toEqual([]);
    expect(records.allowlist).toEqual([]);
  });
});
