// `op-btc-finality babylon skip-event --height H --event TYPE`: an operator's explicit decision to read past the
// unreadable power-changing Babylon event ingestion stopped at. It names the event exactly, so a decision
// cannot pass a different one; it is logged with what was skipped, and ingestion resumes at its next step.
import type { Logger } from "../../log.ts";
import { decideSkip, readUnreadableEvent } from "../../store/babylon-unreadable.ts";
import type { Tx } from "../../store/tx.ts";

export class SkipEventRefused extends Error {}

export async function skipUnreadableEvent(
  db: Tx,
  options: { height?: string; event?: string },
  log: Logger,
): Promise<void> {
  const height = options.height;
  const event = options.event;
  if (typeof height !== "string" || !/^\d+$/.test(height))
    throw new SkipEventRefused("--height: the Babylon height of the unreadable event, a whole number");
  if (typeof event !== "string" || event === "")
    throw new SkipEventRefused("--event: the unreadable event's type, as /ready and syncStatus name it");
  const stopped = await readUnreadableEvent(db);
  if (stopped === undefined) throw new SkipEventRefused("ingestion is not stopped at an unreadable event");
  if (stopped.babylonHeight !== BigInt(height) || stopped.eventType !== event) {
    throw new SkipEventRefused(
      `ingestion is stopped at ${stopped.eventType} at Babylon height ${stopped.babylonHeight}, not ${event} at ${height}`,
    );
  }
  await decideSkip(db, stopped.babylonHeight, stopped.eventType);
  log.warn(
    { babylonHeight: height, event, err: stopped.error },
    "operator decision: the unreadable Babylon event will be skipped; the voting power it would change is not applied",
  );
}
