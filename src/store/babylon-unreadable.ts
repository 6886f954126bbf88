// The Babylon stage's fail-safe, as recorded state. A Babylon event the gadget cannot read and that can change
// voting power (a delegation, jail, slashing, registration or allow-list event) stops ingestion at its block:
// skipping it could leave stake counted that no longer counts, and finalize a block the chain would not.
// Ingestion, and so evaluation, stays there until a fixed gadget reads the event or an operator decides,
// explicitly and logged (`op-btc-finality babylon skip-event`), to read past it.
import { deleteStates, readStates, type StateKey, writeState } from "./state.ts";
import type { Tx } from "./tx.ts";

export interface UnreadableEvent {
  babylonHeight: bigint;
  eventType: string;
  error: string;
}

const UNREADABLE_KEYS = [
  "babylon_unreadable_height",
  "babylon_unreadable_event",
  "babylon_unreadable_error",
] as const satisfies readonly StateKey[];

/** The event ingestion is stopped at, if any. */
export async function readUnreadableEvent(db: Tx): Promise<UnreadableEvent | undefined> {
  const s = await readStates(db, UNREADABLE_KEYS);
  const height = s.get("babylon_unreadable_height");
  if (height === undefined) return undefined;
  return {
    babylonHeight: BigInt(height),
    eventType: s.get("babylon_unreadable_event") ?? "",
    error: s.get("babylon_unreadable_error") ?? "",
  };
}

export async function recordUnreadableEvent(db: Tx, e: UnreadableEvent): Promise<void> {
  await writeState(db, {
    babylon_unreadable_height: e.babylonHeight,
    babylon_unreadable_event: e.eventType,
    babylon_unreadable_error: e.error,
  });
}

export async function clearUnreadableEvent(db: Tx): Promise<void> {
  await deleteStates(db, UNREADABLE_KEYS);
}

const skipKey = (babylonHeight: bigint, eventType: string) => `${babylonHeight}:${eventType}`;

/** Whether an operator decided to read past this unreadable event. */
export async function isSkipDecided(db: Tx, babylonHeight: bigint, eventType: string): Promise<boolean> {
  const s = await readStates(db, ["babylon_skip_event"]);
  return s.get("babylon_skip_event") === skipKey(babylonHeight, eventType);
}

/** Records an operator's decision to read past the unreadable event at `babylonHeight` of `eventType`. */
export async function decideSkip(db: Tx, babylonHeight: bigint, eventType: string): Promise<void> {
  await writeState(db, { babylon_skip_event: skipKey(babylonHeight, eventType) });
}

/** Adds to the count of power-neutral malformed events skipped. */
export async function countSkippedMalformed(db: Tx, count: number): Promise<void> {
  if (count === 0) return;
  await db.$executeRawUnsafe(
    `INSERT INTO gadget_state (key, value) VALUES ('babylon_malformed_skipped', $1)
     ON CONFLICT (key) DO UPDATE SET value = (gadget_state.value::bigint + $1::bigint)::text`,
    String(count),
  );
}
