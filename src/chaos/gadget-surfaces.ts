// The gadget's answers, read the way its users read them: GraphQL (explorers), gRPC (op-node) and REST.
// The checker compares these with its own recomputation; it never reads the gadget's tables.
import { FinalityGadgetClient } from "../api/grpc/client.ts";

export interface GadgetBlockVerdict {
  height: bigint;
  hash: string;
  status: string;
  btcFinalized: boolean;
  checked: boolean;
  btcHeight: number | null;
  votedPower: bigint | null;
  totalPower: bigint | null;
}

export interface GadgetEndpoints {
  httpUrl: string;
  grpcAddress: string;
}

export class GadgetSurfaceError extends Error {}

const BLOCKS_QUERY = `query Blocks($after: String, $gte: BigInt) {
  blocks(first: 1000, after: $after, orderBy: HEIGHT_ASC, where: { heightGte: $gte }) {
    edges { node { height hash status btcFinalized checked btcHeight votedPower totalPower } }
    pageInfo { endCursor hasNextPage }
  }
}`;

/** A block as the gadget's GraphQL answers it, the fields the checker reads. */
export interface BlockNode {
  height: string;
  hash: string;
  status: string;
  btcFinalized: boolean;
  checked: boolean;
  btcHeight: number | null;
  votedPower: string | null;
  totalPower: string | null;
}

export class GadgetSurfaces {
  private readonly grpc: FinalityGadgetClient;

  constructor(readonly endpoints: GadgetEndpoints) {
    this.grpc = new FinalityGadgetClient(endpoints.grpcAddress, { timeoutMs: 10_000 });
  }

  close(): void {
    this.grpc.close();
  }

  private async graphql<T>(query: string, variables: Record<string, unknown>): Promise<T> {
    const res = await fetch(`${this.endpoints.httpUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(15_000),
    });
    const body = (await res.json()) as { data?: T; errors?: { message: string }[] };
    if (body.errors?.length || body.data === undefined)
      throw new GadgetSurfaceError(`GraphQL: ${body.errors?.map((e) => e.message).join("; ") ?? res.status}`);
    return body.data;
  }

  /** Every canonical block the gadget stores from `from` up, with its verdict. */
  async blocks(from: bigint): Promise<GadgetBlockVerdict[]> {
    const out: GadgetBlockVerdict[] = [];
    let after: string | null = null;
    for (;;) {
      const data: {
        blocks: {
          edges: { node: BlockNode }[];
          pageInfo: { endCursor: string | null; hasNextPage: boolean };
        };
      } = await this.graphql(BLOCKS_QUERY, { after, gte: String(from) });
      for (const { node } of data.blocks.edges) {
        out.push({
          height: BigInt(node.height),
          hash: node.hash.toLowerCase(),
          status: node.status,
          btcFinalized: node.btcFinalized,
          checked: node.checked,
          btcHeight: node.btcHeight,
          votedPower: node.votedPower === null ? null : BigInt(node.votedPower),
          totalPower: node.totalPower === null ? null : BigInt(node.totalPower),
        });
      }
      if (!data.blocks.pageInfo.hasNextPage || data.blocks.pageInfo.endCursor === null) return out;
      after = data.blocks.pageInfo.endCursor;
    }
  }

  async graphqlFinalizedHeight(): Promise<bigint> {
    const data = await this.graphql<{ syncStatus: { btcFinalizedHeight: string | null } }>(
      "{ syncStatus { btcFinalizedHeight } }",
      {},
    );
    return BigInt(data.syncStatus.btcFinalizedHeight ?? 0);
  }

  /** The unreadable power-changing Babylon event the gadget reports it is stopped at, as an operator reads it. */
  async unreadableEvent(): Promise<{ babylonHeight: string; eventType: string } | null> {
    const data = await this.graphql<{
      syncStatus: { unreadableBabylonEvent: { babylonHeight: string; eventType: string } | null };
    }>("{ syncStatus { unreadableBabylonEvent { babylonHeight eventType } } }", {});
    return data.syncStatus.unreadableBabylonEvent;
  }

  async restFinalizedHeight(): Promise<bigint> {
    const res = await fetch(`${this.endpoints.httpUrl}/v1/chainSyncStatus`, {
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new GadgetSurfaceError(`REST chainSyncStatus: ${res.status}`);
    const body = (await res.json()) as { latest_btc_finalized_block: number };
    return BigInt(body.latest_btc_finalized_block);
  }

  /** op-node's range query over `blocks` (consecutive, ascending): the finalized prefix's end, 0 for none. */
  async rangeFinalized(blocks: { height: bigint; hash: string; timestamp: number }[]): Promise<bigint> {
    const r = await this.grpc.queryBlockRangeBabylonFinalized(
      blocks.map((b) => ({ height: b.height, hash: b.hash, timestamp: BigInt(b.timestamp) })),
    );
    return r ?? 0n;
  }
}
