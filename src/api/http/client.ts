// A typed client for the gadget's HTTP APIs (REST /v1/* and /ready, GraphQL /graphql) over fetch, for programs
// that read finality without gRPC. BigInt fields arrive as decimal strings (GraphQL's BigInt scalar) and are
// returned as bigint.

/** The gadget answered with an error status, or GraphQL answered with errors. */
export class GadgetHttpError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly graphqlErrors: readonly { message: string }[] = [],
  ) {
    super(message);
    this.name = "GadgetHttpError";
  }
}

export interface ChainSyncStatus {
  latestBlock: number;
  latestBtcFinalizedBlock: number;
  earliestBtcFinalizedBlock: number;
  latestEthFinalizedBlock: number;
}

export type TransactionFinality = "BTC_FINALIZED" | "FINALIZED" | "SAFE" | "PENDING";

export interface TransactionStatus {
  txHash: string;
  blockHash: string;
  status: TransactionFinality;
  blockTimestamp: number;
  blockHeight: number;
  babylonFinalized: boolean;
}

export interface Readiness {
  ready: boolean;
  reasons: string[];
  lagBlocks: bigint | null;
  openSafetyIncidents: number;
  components: { name: string; state: string; detail: unknown; lastProgressAt: string | null }[];
}

export type BlockStatus =
  | "FINALIZED"
  | "NOT_ACTIVATED"
  | "NOT_CHECKED"
  | "NO_VOTING_POWER"
  | "ORPHANED"
  | "PENDING";

export interface BlockFinality {
  height: bigint;
  hash: string;
  parentHash: string;
  timestamp: bigint;
  status: BlockStatus;
  checked: boolean;
  btcFinalized: boolean;
  btcHeight: number | null;
  votedPower: bigint | null;
  totalPower: bigint | null;
  timeToFinalitySeconds: number | null;
}

export interface SyncStatus {
  ready: boolean;
  activated: boolean;
  notReadyReasons: string[];
  l2HeadHeight: bigint | null;
  l2IngestedHeight: bigint | null;
  btcFinalizedHeight: bigint | null;
  babylonHeight: bigint | null;
  babylonIndexedHeight: bigint | null;
  lagBlocks: bigint | null;
  lagSeconds: number | null;
}

export interface GadgetHttpClientOptions {
  /** Per-request deadline in milliseconds (default 10 s). */
  timeoutMs?: number;
}

const BLOCK_FIELDS = `height hash parentHash timestamp status checked btcFinalized btcHeight votedPower totalPower timeToFinalitySeconds`;

type Wire<T> = {
  [K in keyof T]: T[K] extends bigint ? string : T[K] extends bigint | null ? string | null : T[K];
};

function bigintOrNull(value: string | null): bigint | null {
  return value === null ? null : BigInt(value);
}

function blockFromWire(b: Wire<BlockFinality>): BlockFinality {
  return {
    ...b,
    height: BigInt(b.height),
    timestamp: BigInt(b.timestamp),
    votedPower: bigintOrNull(b.votedPower),
    totalPower: bigintOrNull(b.totalPower),
  };
}

export class GadgetHttpClient {
  private readonly base: string;
  private readonly timeoutMs: number;

  /** `baseUrl`: the gadget's HTTP address, e.g. http://127.0.0.1:8080. */
  constructor(baseUrl: string, options: GadgetHttpClientOptions = {}) {
    this.base = baseUrl.replace(/\/+$/, "");
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  private async request(path: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${this.base}${path}`, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new GadgetHttpError(`${path}: HTTP ${res.status}, not JSON: ${text.slice(0, 200)}`, res.status);
    }
    return { status: res.status, body };
  }

  private async getJson<T>(path: string): Promise<T> {
    const { status, body } = await this.request(path);
    if (status !== 200) {
      const error = (body as { error?: string }).error ?? JSON.stringify(body);
      throw new GadgetHttpError(`${path}: HTTP ${status}: ${error}`, status);
    }
    return body as T;
  }

  /** GET /v1/chainSyncStatus (the reference gadget's endpoint). */
  async chainSyncStatus(): Promise<ChainSyncStatus> {
    const s = await this.getJson<Record<string, number>>("/v1/chainSyncStatus");
    return {
      latestBlock: s.latest_block ?? 0,
      latestBtcFinalizedBlock: s.latest_btc_finalized_block ?? 0,
      earliestBtcFinalizedBlock: s.earliest_btc_finalized_block ?? 0,
      latestEthFinalizedBlock: s.latest_eth_finalized_block ?? 0,
    };
  }

  /** GET /v1/transaction: the finality of an L2 transaction (404 when the L2 does not know it). */
  transaction(txHash: string): Promise<TransactionStatus> {
    return this.getJson<TransactionStatus>(`/v1/transaction?hash=${encodeURIComponent(txHash)}`);
  }

  /** GET /ready: 200 and 503 both carry the readiness report. */
  async readiness(): Promise<Readiness> {
    const { status, body } = await this.request("/ready");
    if (status !== 200 && status !== 503) throw new GadgetHttpError(`/ready: HTTP ${status}`, status);
    const r = body as Wire<Readiness>;
    return { ...r, lagBlocks: bigintOrNull(r.lagBlocks) };
  }

  /** Any GraphQL operation; errors in the reply throw GadgetHttpError with them. */
  async graphql<TData>(query: string, variables: Record<string, unknown> = {}): Promise<TData> {
    const { status, body } = await this.request("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ query, variables }),
    });
    const reply = body as { data?: TData | null; errors?: { message: string }[] };
    if (reply.errors?.length) {
      throw new GadgetHttpError(reply.errors.map((e) => e.message).join("; "), status, reply.errors);
    }
    if (status !== 200 || reply.data == null) throw new GadgetHttpError(`/graphql: HTTP ${status}`, status);
    return reply.data;
  }

  /** The canonical block at a height, with its finality; null when the gadget has not stored it. */
  async block(height: bigint | number): Promise<BlockFinality | null> {
    const data = await this.graphql<{ block: Wire<BlockFinality> | null }>(
      `query($h: BigInt!) { block(height: $h) { ${BLOCK_FIELDS} } }`,
      { h: height.toString() },
    );
    return data.block === null ? null : blockFromWire(data.block);
  }

  async syncStatus(): Promise<SyncStatus> {
    const data = await this.graphql<{ syncStatus: Wire<SyncStatus> }>(
      `{ syncStatus { ready activated notReadyReasons l2HeadHeight l2IngestedHeight btcFinalizedHeight babylonHeight babylonIndexedHeight lagBlocks lagSeconds } }`,
    );
    const s = data.syncStatus;
    return {
      ...s,
      l2HeadHeight: bigintOrNull(s.l2HeadHeight),
      l2IngestedHeight: bigintOrNull(s.l2IngestedHeight),
      btcFinalizedHeight: bigintOrNull(s.btcFinalizedHeight),
      babylonHeight: bigintOrNull(s.babylonHeight),
      babylonIndexedHeight: bigintOrNull(s.babylonIndexedHeight),
      lagBlocks: bigintOrNull(s.lagBlocks),
    };
  }
}
