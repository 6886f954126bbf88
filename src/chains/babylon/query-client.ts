// Babylon gRPC queries sent as ABCI queries, decoded with our own codecs: through a CosmJS CometClient, or the
// gadget's own JSON-RPC reader (block-reader.ts), which skips CosmJS's per-field checks.

import { connectComet } from "@cosmjs/tendermint-rpc";
import type { AbciQuery, AbciQueryReply } from "./block-reader.ts";
import {
  type BtcCheckpointParams,
  BtcCheckpointQueryParamsRequest,
  BtcCheckpointQueryParamsResponse,
} from "./btccheckpoint.ts";
import {
  type BTCHeaderInfoResponse,
  QueryMainChainRequest,
  QueryMainChainResponse,
  QueryTipRequest,
  QueryTipResponse,
} from "./btclightclient.ts";
import {
  type BTCDelegationResponse,
  type BtcStakingParams,
  BtcStakingQueryParamsRequest,
  BtcStakingQueryParamsResponse,
  type FinalityProviderResponse,
  QueryFinalityProviderDelegationsRequest,
  QueryFinalityProviderDelegationsResponse,
  QueryFinalityProviderRequest,
  QueryFinalityProviderResponse,
  QueryFinalityProvidersRequest,
  QueryFinalityProvidersResponse,
} from "./btcstaking.ts";
import type { PageRequest } from "./cosmos.ts";
import {
  CheckpointStatus,
  QueryCurrentEpochRequest,
  QueryCurrentEpochResponse,
  QueryLastCheckpointWithStatusRequest,
  QueryLastCheckpointWithStatusResponse,
} from "./epoching.ts";
import type { MessageCodec } from "./proto.ts";

/** ABCI query paths (gRPC method names); the devnet's emulator serves the same ones. */
export const BabylonQueryPath = {
  FinalityProvider: "/babylon.btcstaking.v1.Query/FinalityProvider",
  FinalityProviders: "/babylon.btcstaking.v1.Query/FinalityProviders",
  FinalityProviderDelegations: "/babylon.btcstaking.v1.Query/FinalityProviderDelegations",
  BtcStakingParams: "/babylon.btcstaking.v1.Query/Params",
  BtcCheckpointParams: "/babylon.btccheckpoint.v1.Query/Params",
  BtcTip: "/babylon.btclightclient.v1.Query/Tip",
  BtcMainChain: "/babylon.btclightclient.v1.Query/MainChain",
  CurrentEpoch: "/babylon.epoching.v1.Query/CurrentEpoch",
  LastCheckpointWithStatus: "/babylon.checkpointing.v1.Query/LastCheckpointWithStatus",
} as const;

/** A query Babylon answered with a non-zero ABCI code (not found, bad request, …). */
export class BabylonQueryError extends Error {
  constructor(
    readonly path: string,
    readonly code: number,
    readonly codespace: string,
    readonly log: string,
  ) {
    super(`${path} failed with code ${code}${codespace ? ` (${codespace})` : ""}: ${log}`);
    this.name = "BabylonQueryError";
  }
}

export interface PageOptions {
  /** next_key of the previous page; omit for the first page. */
  key?: Uint8Array;
  limit?: number | bigint;
  reverse?: boolean;
}

/** Page size used when following next_key; the Cosmos SDK default. */
const FOLLOW_LIMIT = 100n;

function pageRequest(page: PageOptions | undefined): PageRequest | undefined {
  if (page === undefined) return undefined;
  const limit = page.limit === undefined ? 0n : BigInt(page.limit);
  if (limit < 0n) throw new RangeError(`page limit must be non-negative, got ${page.limit}`);
  return {
    key: page.key ?? new Uint8Array(0),
    offset: 0n,
    limit,
    countTotal: false,
    reverse: page.reverse ?? false,
  };
}

function checkPkHex(pkHex: string): void {
  if (!/^[0-9a-f]{64}$/.test(pkHex)) {
    throw new TypeError(
      `finality provider key must be 64 lowercase hex characters (BIP-340 x-only), got ${JSON.stringify(pkHex)}`,
    );
  }
}

/** What sends the queries: a CosmJS CometClient or a BabylonBlockReader. */
export interface AbciQuerier {
  abciQuery(query: AbciQuery): Promise<AbciQueryReply>;
  disconnect(): void;
}

export class BabylonQueryClient {
  /**
   * @param height Babylon height to query state at (needs an unpruned node); latest when undefined.
   */
  constructor(
    private readonly comet: AbciQuerier,
    readonly height: number | undefined = undefined,
  ) {}

  static async connect(url: string): Promise<BabylonQueryClient> {
    return new BabylonQueryClient(await connectComet(url));
  }

  /** The same client reading state at a fixed Babylon height. */
  atHeight(height: number): BabylonQueryClient {
    if (!Number.isSafeInteger(height) || height <= 0)
      throw new RangeError(`query height must be a positive integer, got ${height}`);
    return new BabylonQueryClient(this.comet, height);
  }

  disconnect(): void {
    this.comet.disconnect();
  }

  private async query<Req, Res>(
    path: string,
    req: MessageCodec<Req>,
    request: Req,
    res: MessageCodec<Res>,
  ): Promise<Res> {
    return (await this.queryAt(path, req, request, res, this.height)).value;
  }

  private async queryAt<Req, Res>(
    path: string,
    req: MessageCodec<Req>,
    request: Req,
    res: MessageCodec<Res>,
    height: number | undefined,
  ): Promise<{ value: Res; height: number | undefined }> {
    const reply = await this.comet.abciQuery({ path, data: req.encode(request), height, prove: false });
    if (reply.code) throw new BabylonQueryError(path, reply.code, reply.codespace ?? "", reply.log ?? "");
    try {
      return { value: res.decode(reply.value), height: reply.height };
    } catch (err) {
      throw new Error(`${path}: malformed reply: ${(err as Error).message}`, { cause: err });
    }
  }

  /**
   * Requests pages until next_key is empty. Every page after the first is read at the first page's
   * height, so the list is one snapshot even while blocks are produced. A repeated key would loop
   * forever, so it throws.
   */
  private async followPages<Req, Res>(
    path: string,
    req: MessageCodec<Req>,
    request: (page: PageRequest | undefined) => Req,
    res: MessageCodec<Res>,
    take: (reply: Res) => Uint8Array | undefined,
  ): Promise<void> {
    let height = this.height;
    const seen = new Set<string>();
    let key: Uint8Array | undefined;
    for (;;) {
      const page = await this.queryAt(
        path,
        req,
        request(pageRequest({ key, limit: FOLLOW_LIMIT })),
        res,
        height,
      );
      height ??= page.height;
      const next = take(page.value);
      if (next === undefined || next.length === 0) return;
      const id = Buffer.from(next).toString("hex");
      if (seen.has(id)) throw new Error(`${path}: pagination returned next_key ${id} twice`);
      seen.add(id);
      key = next;
    }
  }

  /** Throws BabylonQueryError (codespace "btcstaking") when Babylon does not know the provider. */
  async finalityProvider(pkHex: string): Promise<FinalityProviderResponse> {
    checkPkHex(pkHex);
    const path = BabylonQueryPath.FinalityProvider;
    const r = await this.query(
      path,
      QueryFinalityProviderRequest,
      { fpBtcPkHex: pkHex },
      QueryFinalityProviderResponse,
    );
    if (r.finalityProvider === undefined)
      throw new Error(`${path}: reply for ${pkHex} has no finality_provider`);
    return r.finalityProvider;
  }

  /** One page of the providers registered for a BSN ("" = Babylon itself; ignored by a v4 node). */
  finalityProviders(bsnId: string, page?: PageOptions): Promise<QueryFinalityProvidersResponse> {
    return this.query(
      BabylonQueryPath.FinalityProviders,
      QueryFinalityProvidersRequest,
      { bsnId, pagination: pageRequest(page) },
      QueryFinalityProvidersResponse,
    );
  }

  /** Every provider of a BSN, following next_key (the reference gadget stops after the first page). */
  async allFinalityProviders(bsnId: string): Promise<FinalityProviderResponse[]> {
    const out: FinalityProviderResponse[] = [];
    await this.followPages(
      BabylonQueryPath.FinalityProviders,
      QueryFinalityProvidersRequest,
      (pagination) => ({ bsnId, pagination }),
      QueryFinalityProvidersResponse,
      (r) => {
        out.push(...r.finalityProviders);
        return r.pagination?.nextKey;
      },
    );
    return out;
  }

  /** One page of a provider's delegations, grouped per staker key (pagination is over stakers). */
  finalityProviderDelegations(
    pkHex: string,
    page?: PageOptions,
  ): Promise<QueryFinalityProviderDelegationsResponse> {
    checkPkHex(pkHex);
    return this.query(
      BabylonQueryPath.FinalityProviderDelegations,
      QueryFinalityProviderDelegationsRequest,
      { fpBtcPkHex: pkHex, pagination: pageRequest(page) },
      QueryFinalityProviderDelegationsResponse,
    );
  }

  /** Every delegation to a provider, flattened across stakers, following next_key. */
  async allFinalityProviderDelegations(pkHex: string): Promise<BTCDelegationResponse[]> {
    checkPkHex(pkHex);
    const out: BTCDelegationResponse[] = [];
    await this.followPages(
      BabylonQueryPath.FinalityProviderDelegations,
      QueryFinalityProviderDelegationsRequest,
      (pagination) => ({ fpBtcPkHex: pkHex, pagination }),
      QueryFinalityProviderDelegationsResponse,
      (r) => {
        for (const group of r.btcDelegatorDelegations) out.push(...group.dels);
        return r.pagination?.nextKey;
      },
    );
    return out;
  }

  async btcstakingParams(): Promise<BtcStakingParams> {
    const r = await this.query(
      BabylonQueryPath.BtcStakingParams,
      BtcStakingQueryParamsRequest,
      {},
      BtcStakingQueryParamsResponse,
    );
    return r.params;
  }

  async btccheckpointParams(): Promise<BtcCheckpointParams> {
    const r = await this.query(
      BabylonQueryPath.BtcCheckpointParams,
      BtcCheckpointQueryParamsRequest,
      {},
      BtcCheckpointQueryParamsResponse,
    );
    return r.params;
  }

  async btcTip(): Promise<BTCHeaderInfoResponse> {
    const path = BabylonQueryPath.BtcTip;
    const r = await this.query(path, QueryTipRequest, {}, QueryTipResponse);
    if (r.header === undefined) throw new Error(`${path}: reply has no header`);
    return r.header;
  }

  /** A page of light-client headers: from the tip down, or from the base up with `reverse`. */
  btcMainChain(page: PageOptions = {}): Promise<QueryMainChainResponse> {
    return this.query(
      BabylonQueryPath.BtcMainChain,
      QueryMainChainRequest,
      { pagination: pageRequest(page) },
      QueryMainChainResponse,
    );
  }

  async currentEpoch(): Promise<{ currentEpoch: bigint; epochBoundary: bigint }> {
    const r = await this.query(
      BabylonQueryPath.CurrentEpoch,
      QueryCurrentEpochRequest,
      {},
      QueryCurrentEpochResponse,
    );
    return { currentEpoch: r.currentEpoch, epochBoundary: r.epochBoundary };
  }

  /** Highest Babylon epoch whose checkpoint is BTC-finalized (status FINALIZED). */
  async lastFinalizedEpoch(): Promise<bigint> {
    const path = BabylonQueryPath.LastCheckpointWithStatus;
    const r = await this.query(
      path,
      QueryLastCheckpointWithStatusRequest,
      { status: CheckpointStatus.values.CKPT_STATUS_FINALIZED },
      QueryLastCheckpointWithStatusResponse,
    );
    if (r.rawCheckpoint === undefined) throw new Error(`${path}: reply has no raw_checkpoint`);
    return r.rawCheckpoint.epochNum;
  }
}
