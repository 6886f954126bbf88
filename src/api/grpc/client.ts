// A typed client for proto.FinalityGadget, for TypeScript consumers of this gadget (or of the reference one:
// the wire is the same). Every call has a deadline, unlike the reference Go client's background context.
import {
  type CallOptions,
  type Client,
  credentials,
  makeGenericClientConstructor,
  type ServiceError,
} from "@grpc/grpc-js";
import { NOT_ACTIVATED_MESSAGE } from "../errors.ts";
import type { BlockInfo } from "../finality.ts";
import { finalityGadgetService, type WireBlockInfo } from "./proto.ts";

export type { BlockInfo } from "../finality.ts";

export interface FinalityGadgetClientOptions {
  /** Per-call deadline in milliseconds (default 10 s). */
  timeoutMs?: number;
}

type Callback<T> = (error: ServiceError | null, value?: T) => void;
type UnaryMethod = (request: object, options: CallOptions, callback: Callback<unknown>) => void;

/** True when a gadget error means "BTC staking is not activated" — how op-node tells it from a failure. */
export function isNotActivatedError(error: unknown): boolean {
  return error instanceof Error && error.message.includes(NOT_ACTIVATED_MESSAGE);
}

export class FinalityGadgetClient {
  private readonly client: Client;
  private readonly timeoutMs: number;

  /** `address` is host:port, e.g. "127.0.0.1:50051" (no TLS, as op-node connects). */
  constructor(address: string, options: FinalityGadgetClientOptions = {}) {
    const Service = makeGenericClientConstructor(finalityGadgetService(), "FinalityGadget");
    this.client = new Service(address, credentials.createInsecure());
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async queryIsBlockBabylonFinalized(block: BlockInfo): Promise<boolean> {
    const reply = await this.call<{ is_finalized: boolean }>("QueryIsBlockBabylonFinalized", {
      block: toWire(block),
    });
    return reply.is_finalized;
  }

  /** The last height of the finalized prefix of `blocks`, or `null` when none is (the wire's 0). */
  async queryBlockRangeBabylonFinalized(blocks: readonly BlockInfo[]): Promise<bigint | null> {
    const reply = await this.call<{ last_finalized_block_height: string }>(
      "QueryBlockRangeBabylonFinalized",
      // Encoded by block-range-codec.ts.
      { blocks },
    );
    const height = BigInt(reply.last_finalized_block_height);
    return height === 0n ? null : height;
  }

  /** Unix seconds; rejects with a message containing NOT_ACTIVATED_MESSAGE before activation. */
  async queryBtcStakingActivatedTimestamp(): Promise<bigint> {
    const reply = await this.call<{ activated_timestamp: string }>("QueryBtcStakingActivatedTimestamp", {});
    return BigInt(reply.activated_timestamp);
  }

  async queryIsBlockFinalizedByHeight(height: bigint): Promise<boolean> {
    const reply = await this.call<{ is_finalized: boolean }>("QueryIsBlockFinalizedByHeight", {
      block_height: height.toString(),
    });
    return reply.is_finalized;
  }

  async queryIsBlockFinalizedByHash(hash: string): Promise<boolean> {
    const reply = await this.call<{ is_finalized: boolean }>("QueryIsBlockFinalizedByHash", {
      block_hash: hash,
    });
    return reply.is_finalized;
  }

  async queryLatestFinalizedBlock(): Promise<BlockInfo> {
    const reply = await this.call<{ block: WireBlockInfo | null }>("QueryLatestFinalizedBlock", {});
    if (reply.block === null) throw new Error("gadget replied without a block");
    return {
      hash: reply.block.block_hash,
      height: BigInt(reply.block.block_height),
      timestamp: BigInt(reply.block.block_timestamp),
    };
  }

  close(): void {
    this.client.close();
  }

  private call<T>(method: string, request: object): Promise<T> {
    const fn = (this.client as unknown as Record<string, UnaryMethod>)[method]!;
    return new Promise<T>((resolve, reject) => {
      fn.call(this.client, request, { deadline: Date.now() + this.timeoutMs }, (error, value) =>
        error ? reject(error) : resolve(value as T),
      );
    });
  }
}

function toWire(block: BlockInfo): WireBlockInfo {
  return {
    block_hash: block.hash,
    block_height: block.height.toString(),
    block_timestamp: block.timestamp.toString(),
  };
}
