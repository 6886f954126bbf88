import {
  type BTCHeaderInfoResponse,
  QueryMainChainRequest,
  QueryMainChainResponse,
  QueryTipResponse,
} from "../../chains/babylon/btclightclient.ts";
import type { BtcChainState, BtcHeader, BtcHeaderChain } from "../btc.ts";
import { AbciError, type BlockContext, type Module } from "../chain/module.ts";

/** Babylon caps MainChain pages at 1000 headers. */
const MAX_MAIN_CHAIN_LIMIT = 1000n;

export type TipListener = (oldTip: number, newTip: number, ctx: BlockContext) => void;

export interface LightClientState {
  tip: number;
  btc: BtcChainState;
}

/**
 * x/btclightclient: Babylon's view of Bitcoin. Headers mined by the devnet's BTC chain enter it at the
 * start of the next Babylon block, as if a reporter had submitted them, so every Babylon height has one
 * well-defined BTC tip and the events caused by the tip moving land in that block.
 */
export class BtcLightClientModule implements Module {
  readonly name = "btclightclient";
  private tip: number;
  private readonly listeners: TipListener[] = [];

  constructor(readonly btc: BtcHeaderChain) {
    this.tip = btc.tip().height;
  }

  tipHeight(): number {
    return this.tip;
  }

  tipHeader(): BtcHeader {
    return this.btc.header(this.tip)!;
  }

  onTipAdvanced(listener: TipListener): void {
    this.listeners.push(listener);
  }

  beginBlock(ctx: BlockContext): void {
    const old = this.tip;
    const next = this.btc.tip().height;
    if (next === old) return;
    this.tip = next;
    for (const listener of this.listeners) listener(old, next, ctx);
  }

  readonly queries = {
    "/babylon.btclightclient.v1.Query/Tip": (): Uint8Array =>
      QueryTipResponse.encode(QueryTipResponse.fromPartial({ header: info(this.tipHeader()) })),
    "/babylon.btclightclient.v1.Query/MainChain": (request: Uint8Array): Uint8Array => {
      const { pagination } = QueryMainChainRequest.decode(request);
      const limit = pagination?.limit && pagination.limit > 0n ? pagination.limit : 100n;
      if (limit > MAX_MAIN_CHAIN_LIMIT) {
        throw new AbciError(
          "btclightclient",
          1100,
          `pagination limit ${limit} exceeds ${MAX_MAIN_CHAIN_LIMIT}: invalid request`,
        );
      }
      const reverse = pagination?.reverse ?? false;
      const base = this.btc.base().height;
      let start = reverse ? base : this.tip;
      const key = pagination?.key ?? new Uint8Array(0);
      if (key.length > 0) {
        const found = this.heightOfHash(key);
        if (found === undefined) {
          throw new AbciError(
            "btclightclient",
            1101,
            "header specified by key does not exist: header does not exist",
          );
        }
        start = found;
      }
      const headers: BtcHeader[] = [];
      let h = start;
      while (BigInt(headers.length) < limit && h >= base && h <= this.tip) {
        headers.push(this.btc.header(h)!);
        h += reverse ? 1 : -1;
      }
      const next = h >= base && h <= this.tip ? this.btc.header(h) : undefined;
      return QueryMainChainResponse.encode(
        QueryMainChainResponse.fromPartial({
          headers: headers.map(info),
          pagination: { nextKey: next ? rawHash(next) : new Uint8Array(0), total: 0n },
        }),
      );
    },
  };

  private heightOfHash(raw: Uint8Array): number | undefined {
    const h = this.btc.heightOf(Buffer.from(raw).reverse().toString("hex"));
    return h !== undefined && h <= this.tip ? h : undefined;
  }

  snapshot(): unknown {
    return null; // txs never change the light client
  }

  restore(): void {}

  exportState(): LightClientState {
    return { tip: this.tip, btc: this.btc.exportState() };
  }

  importState(state: unknown): void {
    const s = state as LightClientState;
    this.btc.load(s.btc);
    this.tip = Math.min(s.tip, this.btc.tip().height);
  }
}

function info(h: BtcHeader): BTCHeaderInfoResponse {
  return { headerHex: h.headerHex, hashHex: h.hashHex, height: h.height, work: String(h.work) };
}

/** Babylon's pagination key: the header hash bytes in internal (not display) order. */
function rawHash(h: BtcHeader): Uint8Array {
  return Uint8Array.from(Buffer.from(h.hashHex, "hex").reverse());
}
