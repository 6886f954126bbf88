// The gadget's internal event bus: the finality engine and the ingesters publish what they committed, the
// query surfaces (GraphQL subscriptions, metrics) listen. Events are published only after the database
// transaction that produced them commits, so a listener that reads the database sees at least what the
// event says. Listeners that fall behind or reconnect catch up from the database, not from the bus.
import { EventEmitter, on } from "node:events";

export interface BlockFinalizedEvent {
  height: bigint;
  hash: string;
  timestamp: bigint;
  finalizedAt: Date;
  /** The Babylon block whose votes completed the quorum, when known. */
  babylonHeight?: bigint;
}

export interface BlockStatusEvent {
  height: bigint;
  hash: string;
  status: string;
  votedPower?: bigint;
  totalPower?: bigint;
}

export interface FinalitySignatureEvent {
  fpBtcPk: string;
  height: bigint;
  blockHash: string;
  babylonHeight: bigint;
  txHash: string;
  msgIndex: number;
}

export interface EquivocationEvent {
  fpBtcPk: string;
  height: bigint;
  babylonHeight: bigint;
  canonicalBlockHash: string;
  forkBlockHash: string;
}

export interface GadgetEventMap {
  blockFinalized: BlockFinalizedEvent;
  blockStatus: BlockStatusEvent;
  finalitySignature: FinalitySignatureEvent;
  equivocation: EquivocationEvent;
}

export class GadgetEvents {
  private readonly emitter = new EventEmitter();

  constructor() {
    // Every GraphQL subscription is a listener; thousands are normal.
    this.emitter.setMaxListeners(0);
  }

  publish<K extends keyof GadgetEventMap>(name: K, event: GadgetEventMap[K]): void {
    this.emitter.emit(name, event);
  }

  subscribe<K extends keyof GadgetEventMap>(
    name: K,
    listener: (event: GadgetEventMap[K]) => void,
  ): () => void {
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }

  /** An async iterator over one event type, ended by the signal. */
  async *stream<K extends keyof GadgetEventMap>(
    name: K,
    signal?: AbortSignal,
  ): AsyncGenerator<GadgetEventMap[K]> {
    try {
      for await (const [event] of on(this.emitter, name, { signal })) yield event as GadgetEventMap[K];
    } catch (error) {
      if ((error as Error).name !== "AbortError") throw error;
    }
  }
}
