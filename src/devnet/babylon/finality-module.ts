import { EventSlashedFinalityProvider } from "../../chains/babylon/finality.ts";
import { fromUtf8 } from "../chain/encoding.ts";
import { AbciError, type Module, type MsgContext } from "../chain/module.ts";
import type { BtcStakingModule } from "./btcstaking-module.ts";
import { typedEmitter } from "./emit.ts";
import { type Evidence, extractEquivocatorKey, invalidEvidence, parseEvidence } from "./evidence.ts";

interface StoredEvidence {
  fpBtcPkHex: string;
  blockHeight: string;
  pubRandHex: string;
  canonicalAppHashHex: string;
  forkAppHashHex: string;
  canonicalFinalitySigHex: string;
  forkFinalitySigHex: string;
  signingContext: string;
  slashedAt: string;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/**
 * x/finality's rollup-BSN part: MsgEquivocationEvidence from the finality contract. The wasm module
 * dispatches the contract's `msg_equivocation_evidence` body as UTF-8 JSON (see chain/module.ts). Valid
 * evidence slashes the provider at this Babylon height and the current BTC tip; invalid evidence throws,
 * failing the whole tx — including the fork vote the contract stored — as Babylon does.
 */
export class FinalityModule implements Module {
  readonly name = "finality";
  private evidence = new Map<string, StoredEvidence>();

  constructor(private readonly staking: BtcStakingModule) {}

  readonly messages = {
    "/babylon.finality.v1.MsgEquivocationEvidence": (value: Uint8Array, ctx: MsgContext): Uint8Array => {
      let text: string;
      try {
        text = fromUtf8(value);
      } catch {
        throw invalidEvidence("evidence must be the contract's JSON message");
      }
      const e = parseEvidence(text);
      if (e.signer !== ctx.signer) {
        throw new AbciError(
          "sdk",
          8,
          `invalid signer; expected ${e.signer}, got ${ctx.signer}: invalid pubkey`,
        );
      }
      extractEquivocatorKey(e);
      const fpBtcPkHex = hex(e.fpBtcPk);
      const emit = typedEmitter(ctx);
      // slash() checks that the provider exists and is not slashed yet.
      this.staking.staking.slash(fpBtcPkHex, ctx.height, this.staking.btcTip(), emit);
      emit(EventSlashedFinalityProvider, { evidence: evidenceMessage(e) });
      this.evidence.set(`${fpBtcPkHex}/${e.blockHeight}`, store(e, ctx.height));
      return new Uint8Array(0); // MsgEquivocationEvidenceResponse is empty
    },
  };

  evidenceOf(fpBtcPkHex: string): StoredEvidence[] {
    return [...this.evidence.values()].filter((e) => e.fpBtcPkHex === fpBtcPkHex.toLowerCase());
  }

  snapshot(): unknown {
    return new Map(this.evidence);
  }

  restore(snapshot: unknown): void {
    this.evidence = new Map(snapshot as Map<string, StoredEvidence>);
  }

  exportState(): StoredEvidence[] {
    return [...this.evidence.values()];
  }

  importState(state: unknown): void {
    this.evidence = new Map((state as StoredEvidence[]).map((e) => [`${e.fpBtcPkHex}/${e.blockHeight}`, e]));
  }
}

function evidenceMessage(e: Evidence) {
  return {
    fpBtcPk: e.fpBtcPk,
    blockHeight: e.blockHeight,
    pubRand: e.pubRand,
    canonicalAppHash: e.canonicalAppHash,
    forkAppHash: e.forkAppHash,
    canonicalFinalitySig: e.canonicalFinalitySig,
    forkFinalitySig: e.forkFinalitySig,
    signingContext: e.signingContext,
  };
}

function store(e: Evidence, height: bigint): StoredEvidence {
  return {
    fpBtcPkHex: hex(e.fpBtcPk),
    blockHeight: String(e.blockHeight),
    pubRandHex: hex(e.pubRand),
    canonicalAppHashHex: hex(e.canonicalAppHash),
    forkAppHashHex: hex(e.forkAppHash),
    canonicalFinalitySigHex: hex(e.canonicalFinalitySig),
    forkFinalitySigHex: hex(e.forkFinalitySig),
    signingContext: e.signingContext,
    slashedAt: String(height),
  };
}
