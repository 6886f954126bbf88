// proto.FinalityGadget through a client built from the .proto file by @grpc/proto-loader (not our server code),
// as op-node's generated Go client sees it.
import { fileURLToPath } from "node:url";
import {
  type Client,
  credentials,
  type GrpcObject,
  loadPackageDefinition,
  type ServiceClientConstructor,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FinalityGadgetClient, isNotActivatedError } from "../../src/api/grpc/client.ts";
import { blockHash, FINALIZED, timestampOf } from "./fixtures.ts";
import { startTestApi, type TestApi } from "./harness.ts";

const protoFile = fileURLToPath(new URL("../../src/api/grpc/finalitygadget.proto", import.meta.url));

function rawClient(address: string): Client & Record<string, (...args: unknown[]) => void> {
  const def = loadSync(protoFile, { keepCase: true, longs: String, defaults: true });
  const proto = loadPackageDefinition(def).proto as GrpcObject;
  const Ctor = proto.FinalityGadget as ServiceClientConstructor;
  return new Ctor(address, credentials.createInsecure()) as Client &
    Record<string, (...args: unknown[]) => void>;
}

function call<T>(
  client: Record<string, (...args: unknown[]) => void>,
  method: string,
  req: object,
): Promise<T> {
  return new Promise((resolve, reject) =>
    client[method]!(req, (err: ServiceError | null, res: T) => (err ? reject(err) : resolve(res))),
  );
}

const info = (h: bigint, hash = blockHash(h)) => ({
  block_hash: hash,
  block_height: h.toString(),
  block_timestamp: timestampOf(h).toString(),
});
const range = (from: bigint, to: bigint) => {
  const out = [];
  for (let h = from; h <= to; h++) out.push(info(h));
  return out;
};

describe("gRPC proto.FinalityGadget (activated chain)", () => {
  let t: TestApi;
  let client: ReturnType<typeof rawClient>;
  beforeAll(async () => {
    t = await startTestApi();
    client = rawClient(t.api.grpcAddress);
  });
  afterAll(async () => {
    client.close();
    await t.close();
  });

  const rangeOf = async (blocks: object[]) =>
    (
      await call<{ last_finalized_block_height: string }>(client, "QueryBlockRangeBabylonFinalized", {
        blocks,
      })
    ).last_finalized_block_height;

  it("QueryBlockRangeBabylonFinalized answers the finalized prefix", async () => {
    expect(await rangeOf(range(10n, 12n))).toBe("12");
    // 38..40 finalized, 41.. not: the prefix ends at 40 (the reference returned 0, all-or-nothing)
    expect(await rangeOf(range(38n, 43n))).toBe("40");
    expect(await rangeOf(range(41n, 44n))).toBe("0");
    // pre-activation heights are never BTC-finalized
    expect(await rangeOf(range(5n, 12n))).toBe("0");
    // a range reaching past the stored head
    expect(await rangeOf(range(39n, 60n))).toBe("40");
  });

  it("stops the prefix at a block whose hash does not match the canonical one", async () => {
    const blocks = range(36n, 40n);
    blocks[2] = info(38n, blockHash(38n, "fork-"));
    expect(await rangeOf(blocks)).toBe("37");
    const first = range(36n, 37n);
    first[0] = info(36n, blockHash(36n, "fork-"));
    expect(await rangeOf(first)).toBe("0");
    // hashes compare case-insensitively and without 0x, as op-node and the reference normalize them
    const upper = range(20n, 21n).map((b) => ({ ...b, block_hash: b.block_hash.slice(2).toUpperCase() }));
    expect(await rangeOf(upper)).toBe("21");
  });

  it("rejects empty, non-consecutive and malformed ranges with the reference texts", async () => {
    await expect(rangeOf([])).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: "blocks array is empty",
    });
    await expect(rangeOf([info(10n), info(12n)])).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: "blocks are not consecutive",
    });
    await expect(rangeOf([info(11n), info(10n)])).rejects.toMatchObject({
      details: "blocks are not consecutive",
    });
    await expect(rangeOf([{ ...info(10n), block_hash: "0x1234" }])).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining("invalid block hash"),
    });
  });

  it("answers bytes that are no request as for any protobuf error, and goes on serving", async () => {
    const garbage = Buffer.from([0x0a, 0x05, 0x10, 0xff]); // a block cut off inside its height
    const err = await new Promise<ServiceError | null>((resolve) =>
      client.makeUnaryRequest(
        "/proto.FinalityGadget/QueryBlockRangeBabylonFinalized",
        (b: Buffer) => b,
        (b: Buffer) => b,
        garbage,
        (e) => resolve(e),
      ),
    );
    expect(err).toMatchObject({ code: status.INTERNAL, details: expect.stringMatching(/deserializ/i) });
    expect(await rangeOf(range(10n, 12n))).toBe("12");
  });

  it("QueryIsBlockBabylonFinalized checks height, hash and activation", async () => {
    const q = (block: object) =>
      call<{ is_finalized: boolean }>(client, "QueryIsBlockBabylonFinalized", { block }).then(
        (r) => r.is_finalized,
      );
    expect(await q(info(25n))).toBe(true);
    expect(await q(info(45n))).toBe(false);
    expect(await q(info(25n, blockHash(25n, "fork-")))).toBe(false);
    await expect(q(info(5n))).rejects.toMatchObject({
      code: status.FAILED_PRECONDITION,
      details: "BTC staking is not activated for the consumer chain",
    });
  });

  it("answers by height, by hash (with or without 0x) and the latest finalized block", async () => {
    const byHeight = (h: bigint) =>
      call<{ is_finalized: boolean }>(client, "QueryIsBlockFinalizedByHeight", {
        block_height: h.toString(),
      });
    expect((await byHeight(33n)).is_finalized).toBe(true);
    expect((await byHeight(41n)).is_finalized).toBe(false);
    expect((await byHeight(9999n)).is_finalized).toBe(false);
    const byHash = (hash: string) =>
      call<{ is_finalized: boolean }>(client, "QueryIsBlockFinalizedByHash", { block_hash: hash });
    expect((await byHash(blockHash(33n))).is_finalized).toBe(true);
    expect((await byHash(blockHash(33n).slice(2))).is_finalized).toBe(true);
    expect((await byHash(blockHash(46n, "fork-"))).is_finalized).toBe(false);
    await expect(byHash("zz")).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });

    const latest = await call<{
      block: { block_hash: string; block_height: string; block_timestamp: string };
    }>(client, "QueryLatestFinalizedBlock", {});
    expect(latest.block).toEqual(info(FINALIZED));
    const ts = await call<{ activated_timestamp: string }>(client, "QueryBtcStakingActivatedTimestamp", {});
    expect(ts.activated_timestamp).toBe(timestampOf(10n).toString());
  });

  it("serves reflection", async () => {
    const reflectionProto = fileURLToPath(
      new URL(
        "../../node_modules/@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto",
        import.meta.url,
      ),
    );
    const def = loadSync(reflectionProto, { keepCase: true });
    const pkg = loadPackageDefinition(def) as unknown as {
      grpc: { reflection: { v1: { ServerReflection: ServiceClientConstructor } } };
    };
    const reflection = new pkg.grpc.reflection.v1.ServerReflection(
      t.api.grpcAddress,
      credentials.createInsecure(),
    );
    const names = await new Promise<string[]>((resolve, reject) => {
      const stream = (
        reflection as unknown as { ServerReflectionInfo: () => NodeJS.ReadWriteStream }
      ).ServerReflectionInfo() as unknown as {
        on(e: string, f: (x: unknown) => void): void;
        write(x: object): void;
        end(): void;
      };
      stream.on("data", (msg) => {
        const services = (msg as { list_services_response?: { service: Array<{ name: string }> } })
          .list_services_response?.service;
        resolve((services ?? []).map((s) => s.name));
        stream.end();
      });
      stream.on("error", reject);
      stream.write({ list_services: "*" });
    });
    reflection.close();
    expect(names).toContain("proto.FinalityGadget");
  });

  it("the SDK client gives typed answers", async () => {
    const sdk = new FinalityGadgetClient(t.api.grpcAddress);
    try {
      expect(await sdk.queryLatestFinalizedBlock()).toEqual({
        hash: blockHash(FINALIZED),
        height: FINALIZED,
        timestamp: timestampOf(FINALIZED),
      });
      const blocks = [38n, 39n, 40n, 41n].map((h) => ({
        hash: blockHash(h),
        height: h,
        timestamp: timestampOf(h),
      }));
      expect(await sdk.queryBlockRangeBabylonFinalized(blocks)).toBe(40n);
      expect(await sdk.queryBlockRangeBabylonFinalized(blocks.slice(3))).toBeNull();
      expect(await sdk.queryIsBlockFinalizedByHeight(12n)).toBe(true);
      expect(await sdk.queryIsBlockFinalizedByHash(blockHash(12n))).toBe(true);
      expect(await sdk.queryBtcStakingActivatedTimestamp()).toBe(timestampOf(10n));
      expect(await sdk.queryIsBlockBabylonFinalized(blocks[0]!)).toBe(true);
    } finally {
      sdk.close();
    }
  });
});

describe("gRPC before activation and on an empty database", () => {
  it("answers the reference's not-activated error, which op-node substring-matches", async () => {
    const t = await startTestApi({ activated: false });
    const client = rawClient(t.api.grpcAddress);
    try {
      const err = await call(client, "QueryBtcStakingActivatedTimestamp", {}).catch((e: ServiceError) => e);
      expect(err).toMatchObject({ code: status.FAILED_PRECONDITION });
      // grpc-go renders this as "rpc error: code = FailedPrecondition desc = <details>"
      expect((err as ServiceError).details).toBe("BTC staking is not activated for the consumer chain");
      await expect(
        call(client, "QueryBlockRangeBabylonFinalized", { blocks: range(10n, 12n) }),
      ).rejects.toMatchObject({ details: "BTC staking is not activated for the consumer chain" });
      await expect(call(client, "QueryIsBlockBabylonFinalized", { block: info(12n) })).rejects.toMatchObject({
        details: "BTC staking is not activated for the consumer chain",
      });
      const sdk = new FinalityGadgetClient(t.api.grpcAddress);
      const sdkErr = await sdk.queryBtcStakingActivatedTimestamp().catch((e: unknown) => e);
      sdk.close();
      expect(isNotActivatedError(sdkErr)).toBe(true);
    } finally {
      client.close();
      await t.close();
    }
  });

  it("QueryLatestFinalizedBlock on an empty database is NOT_FOUND 'block not found'", async () => {
    const t = await startTestApi({ seed: false });
    const client = rawClient(t.api.grpcAddress);
    try {
      await expect(call(client, "QueryLatestFinalizedBlock", {})).rejects.toMatchObject({
        code: status.NOT_FOUND,
        details: "block not found",
      });
    } finally {
      client.close();
      await t.close();
    }
  });
});
