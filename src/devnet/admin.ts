import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { toBech32 } from "@cosmjs/encoding";
import { legacyDecToWire } from "../chains/babylon/cosmos.ts";
import { bytesToHex } from "../core/crypto/bytes.ts";
import {
  generateMnemonic,
  secretKeyFromMnemonic,
  validateMnemonic,
  xonlyPublicKey,
} from "../core/crypto/keys.ts";
import { sha256 } from "../core/crypto/sha256.ts";
import type { Anvil } from "./anvil.ts";
import type { Babylon } from "./babylon/index.ts";
import { MALFORMED_EVENT_KINDS, type MalformedEventKind, malformedEvent } from "./babylon/malformed.ts";
import { signPop } from "./babylon/pop.ts";
import type { Delegation, FinalityProvider, TypedEmit } from "./babylon/staking.ts";
import type { BtcHeaderChain } from "./btc.ts";
import { isValidAddress } from "./chain/encoding.ts";
import type { Chain } from "./chain/index.ts";
import type { Faults, RpcServer } from "./rpc/index.ts";

/** What the admin API drives; `startDevnet` passes its parts. */
export interface AdminTarget {
  chain: Chain;
  babylon: Babylon;
  btc: BtcHeaderChain;
  rpc: RpcServer;
  anvil?: Anvil;
  /** BTC block interval to resume with when none is given. */
  btcIntervalMs: number;
  /** Sends the contract admin's add_to_allowlist tx for these keys and waits for its block. */
  addToAllowlist(btcPkHexes: string[]): Promise<{ txHash: string; height: number }>;
  info(): unknown;
}

export interface AdminServer {
  url: string;
  close(): Promise<void>;
}

/** A client mistake: answered 400 with a message naming the field. */
class BadRequest extends Error {}
/** Valid, but not possible in the devnet's current state: 409. */
class Conflict extends Error {}

/** A reply with a status other than 200, or one that must not be mistaken for a plain result. */
class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

type Body = Record<string, unknown>;
type Handler = (body: Body) => Promise<unknown> | unknown;

/** Admin operations wait at most this long for the Babylon block that applies them. */
const APPLY_TIMEOUT_MS = 15_000;

export async function startAdminServer(
  target: AdminTarget,
  options: { host?: string; port?: number } = {},
): Promise<AdminServer> {
  const { chain, babylon, btc, rpc } = target;
  const staking = babylon.staking;
  let faults: Faults = { errorRate: 0, latencyMs: 0, dropRate: 0 };

  /**
   * Runs a state change in the next Babylon block. With blocks paused it stays queued and the reply
   * says so (202); otherwise the reply carries the op's result and the height it landed at.
   */
  async function inNextBlock<T>(op: (height: bigint, emit: TypedEmit) => T): Promise<Reply> {
    let height = 0n;
    const applied = staking.enqueue((ctx, emit) => {
      height = ctx.height;
      return op(ctx.height, emit);
    });
    if (chain.isPaused) {
      applied.catch(() => {}); // reported to nobody: the caller already got 202
      return new Reply(202, { queued: true });
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), APPLY_TIMEOUT_MS);
    });
    try {
      const result = await Promise.race([applied, timeout]);
      if (result === "timeout")
        return new Reply(504, { error: "timed out waiting for the next Babylon block" });
      return new Reply(200, { ...(result as object), height: String(height) });
    } catch (err) {
      // Rules checked again when the op ran (e.g. the provider was slashed meanwhile): still the caller's input.
      throw new BadRequest((err as Error).message);
    } finally {
      clearTimeout(timer);
    }
  }

  const tip = () => babylon.lightClient.tipHeight();

  const routes: Record<string, Handler> = {
    "GET /info": () => target.info(),

    "GET /state": async () => ({
      babylon: {
        height: String(chain.height),
        paused: chain.isPaused,
        currentEpoch: String(babylon.epochs.currentEpoch()),
        lastFinalizedEpoch: String(babylon.epochs.lastFinalizedEpoch()),
        pendingOps: staking.pendingOps,
      },
      btc: {
        tipHeight: btc.tip().height,
        lightClientTipHeight: tip(),
        producing: btc.producing,
      },
      l2: target.anvil
        ? { blockNumber: String(await target.anvil.blockNumber()), mining: target.anvil.mining }
        : null,
      providers: staking.staking.providers().length,
      delegations: staking.staking.delegations().length,
      faults,
    }),

    "GET /providers": () => staking.staking.providers().map((fp) => providerSummary(fp, babylon)),

    "GET /delegations": () => staking.staking.delegations().map((d) => delegationSummary(d, babylon)),

    "POST /providers": async (body) => {
      const chainId = chain.chainId;
      const pkGiven = optString(body, "btcPkHex");
      let mnemonic = optString(body, "mnemonic");
      if (pkGiven !== undefined && mnemonic !== undefined) {
        throw new BadRequest("btcPkHex: give either btcPkHex or mnemonic, not both");
      }
      let btcPkHex: string;
      let sk: Uint8Array | undefined;
      if (pkGiven !== undefined) {
        btcPkHex = hex32(pkGiven, "btcPkHex");
      } else {
        mnemonic ??= generateMnemonic();
        if (!validateMnemonic(mnemonic))
          throw new BadRequest("mnemonic: not a valid BIP-39 English mnemonic");
        sk = secretKeyFromMnemonic(mnemonic);
        btcPkHex = bytesToHex(xonlyPublicKey(sk));
      }
      const addr =
        optString(body, "addr") ??
        toBech32("bbn", sha256(new TextEncoder().encode(`fp ${btcPkHex}`)).slice(0, 20));
      if (!isValidAddress(addr)) throw new BadRequest(`addr: ${JSON.stringify(addr)} is not a bbn1… address`);
      const commission = decimal(optString(body, "commission") ?? "0.05", "commission");
      const maxRate = decimal(optString(body, "maxRate") ?? "0.2", "maxRate");
      if (commission > maxRate) throw new BadRequest("commission: must not exceed maxRate");
      if (commission < staking.staking.params.minCommissionRate) {
        throw new BadRequest("commission: below the minimum commission rate");
      }
      const bsnId = optString(body, "bsnId") ?? babylon.bsnId;
      if (!staking.staking.bsnIds.has(bsnId)) {
        throw new BadRequest(
          `bsnId: ${JSON.stringify(bsnId)} is not a registered BSN (${[...staking.staking.bsnIds].join(", ")})`,
        );
      }
      if (staking.staking.provider(btcPkHex))
        throw new BadRequest(`btcPkHex: provider ${btcPkHex} is already registered`);
      const moniker = optString(body, "moniker") ?? `devnet-fp-${btcPkHex.slice(0, 8)}`;
      const allow = (optBool(body, "allowlist") ?? true) && bsnId !== chainId;
      if (allow) requireRunning();
      // With a key we can prove possession exactly as a registration tx would; with a bare pk there is no proof.
      const popSigHex = sk ? bytesToHex(signPop(sk, chainId, addr)) : "";
      const registered = await inNextBlock((height, emit) => {
        staking.staking.addProvider(
          {
            btcPkHex,
            addr,
            description: { moniker, identity: "", website: "", securityContact: "", details: "" },
            commission,
            maxRate,
            maxChangeRate: maxRate,
            commissionUpdateTime: new Date(),
            popSigType: 0,
            popSigHex,
            bsnId,
            jailed: false,
            slashedBabylonHeight: 0n,
            slashedBtcHeight: 0,
            registeredHeight: height,
          },
          emit,
        );
        return {
          btcPkHex,
          addr,
          bsnId,
          ...(mnemonic !== undefined && pkGiven === undefined ? { mnemonic } : {}),
        };
      });
      if (!allow || registered.status !== 200) return registered;
      const tx = await target.addToAllowlist([btcPkHex]);
      return new Reply(200, { ...(registered.body as object), allowlistTx: tx.txHash });
    },

    "POST /allowlist": async (body) => {
      const list = body.btcPkHexes ?? (body.btcPkHex !== undefined ? [body.btcPkHex] : undefined);
      if (!Array.isArray(list) || list.length === 0 || list.some((x) => typeof x !== "string")) {
        throw new BadRequest("btcPkHexes: must be a non-empty array of BTC keys (hex), or give btcPkHex");
      }
      const pks = (list as string[]).map((pk) => hex32(pk, "btcPkHexes"));
      requireRunning();
      const tx = await target.addToAllowlist(pks);
      return { allowed: pks, txHash: tx.txHash, height: String(tx.height) };
    },

    "POST /providers/jail": (body) => {
      const pk = knownProvider(body);
      return inNextBlock((_height, emit) => providerSummary(staking.staking.jail(pk, true, emit), babylon));
    },

    "POST /providers/unjail": (body) => {
      const pk = knownProvider(body);
      return inNextBlock((_height, emit) => providerSummary(staking.staking.jail(pk, false, emit), babylon));
    },

    // A Babylon block with an event the gadget cannot read (malformed.ts names the kinds; default: an early
    // unbonding whose BTC height is not a number), for the fault campaign's `malformed_event` and the
    // ingester's fail-safe tests.
    "POST /babylon/malformed-event": async (body) => {
      const stakingTxHash = optString(body, "stakingTxHash") ?? "00".repeat(32);
      const kind = optString(body, "kind") ?? "non-numeric";
      if (!(MALFORMED_EVENT_KINDS as readonly string[]).includes(kind))
        throw new BadRequest(`kind: one of ${MALFORMED_EVENT_KINDS.join(", ")}`);
      // The contract's own event needs its address (the devnet's, as `info.contractAddress` gives it).
      const contractAddress = optString(body, "contractAddress") ?? "";
      if (kind === "contract-truncated-key" && contractAddress === "")
        throw new BadRequest("contractAddress: required for kind contract-truncated-key");
      const event = malformedEvent(kind as MalformedEventKind, { stakingTxHash, contractAddress });
      let height = 0n;
      const applied = staking.enqueue((ctx) => {
        height = ctx.height;
        ctx.emit(event);
      });
      if (chain.isPaused) {
        applied.catch(() => {});
        return new Reply(202, { queued: true });
      }
      await applied;
      return { height: String(height), eventType: event.type };
    },

    "POST /providers/slash": (body) => {
      const pk = knownProvider(body);
      if (staking.staking.provider(pk)!.slashedBabylonHeight > 0n)
        throw new BadRequest(`btcPkHex: ${pk} is already slashed`);
      return inNextBlock((height, emit) =>
        providerSummary(staking.staking.slash(pk, height, tip(), emit), babylon),
      );
    },

    "POST /delegations": (body) => {
      const fps = body.fps ?? (body.fp !== undefined ? [body.fp] : undefined);
      if (!Array.isArray(fps) || fps.some((f) => typeof f !== "string")) {
        throw new BadRequest("fps: must be an array of finality provider BTC keys (hex), or give fp");
      }
      const startRaw = body.startHeight;
      if (startRaw !== undefined && startRaw !== null && !Number.isInteger(startRaw)) {
        throw new BadRequest("startHeight: must be an integer BTC height or null (no inclusion proof yet)");
      }
      const req = {
        fpBtcPkList: fps as string[],
        totalSat: satoshis(body.amountSat, "amountSat"),
        stakingTime: integer(body.stakingTime, "stakingTime"),
        covenantQuorum: optBool(body, "quorum") ?? true,
        startHeight: startRaw as number | null | undefined,
        stakerAddr: optString(body, "stakerAddr"),
        stakerBtcPkHex: optString(body, "stakerBtcPkHex"),
      };
      if (req.stakerAddr !== undefined && !isValidAddress(req.stakerAddr)) {
        throw new BadRequest(`stakerAddr: ${JSON.stringify(req.stakerAddr)} is not a bbn1… address`);
      }
      check(() => staking.staking.validateDelegation(req, tip()));
      return inNextBlock((height, emit) =>
        delegationSummary(staking.staking.addDelegation(req, tip(), height, emit), babylon),
      );
    },

    "POST /delegations/quorum": (body) => {
      const hash = knownDelegation(body);
      return inNextBlock((_height, emit) =>
        delegationSummary(staking.staking.reachQuorum(hash, tip(), emit), babylon),
      );
    },

    "POST /delegations/inclusion": (body) => {
      const hash = knownDelegation(body);
      const start = body.startHeight === undefined ? undefined : integer(body.startHeight, "startHeight");
      return inNextBlock((_height, emit) =>
        delegationSummary(staking.staking.includeStakingTx(hash, start, tip(), emit), babylon),
      );
    },

    "POST /delegations/unbond": (body) => {
      const hash = knownDelegation(body);
      const spend = body.spendHeight === undefined ? undefined : integer(body.spendHeight, "spendHeight");
      // `unexpected`: spent by some tx other than the registered unbonding tx (EventUnexpectedUnbondingTx).
      const unexpected = body.unexpected === true;
      return inNextBlock((_height, emit) => {
        const at = spend ?? tip();
        const header = unexpected ? btc.header(at) : undefined;
        if (unexpected && !header) throw new BadRequest(`spendHeight: no BTC header at ${at}`);
        const d = staking.staking.unbond(hash, at, tip(), emit, header && { headerHashHex: header.hashHex });
        return delegationSummary(d, babylon);
      });
    },

    "POST /btc/advance": (body) => {
      const blocks = body.blocks === undefined ? 1 : integer(body.blocks, "blocks");
      if (blocks < 1 || blocks > 10_000) throw new BadRequest("blocks: must be between 1 and 10000");
      const made = btc.advance(blocks);
      return {
        tipHeight: made[made.length - 1]!.height,
        headers: made.map((h) => ({ height: h.height, hash: h.hashHex, time: h.time })),
      };
    },

    "POST /btc/pause": () => {
      btc.stop();
      return { producing: false };
    },

    "POST /btc/resume": (body) => {
      const ms =
        body.intervalMs === undefined ? target.btcIntervalMs : integer(body.intervalMs, "intervalMs");
      if (ms < 1) throw new BadRequest("intervalMs: must be at least 1");
      btc.start(ms);
      return { producing: true, intervalMs: ms };
    },

    "POST /babylon/pause": () => {
      chain.pause();
      return { paused: true, height: String(chain.height) };
    },

    "POST /babylon/clock": (body) => {
      const behindMs = integer(body.behindMs, "behindMs");
      if (behindMs < 0) throw new BadRequest("behindMs: must not be negative");
      chain.clockBehindMs = behindMs;
      return { behindMs };
    },

    "POST /babylon/resume": () => {
      chain.resume();
      return { paused: false, height: String(chain.height) };
    },

    "POST /l2/pause": async () => {
      const anvil = requireAnvil(target);
      await anvil.pauseMining();
      return { mining: false };
    },

    "POST /l2/resume": async (body) => {
      const anvil = requireAnvil(target);
      const sec =
        body.blockTimeSec === undefined ? undefined : positiveNumber(body.blockTimeSec, "blockTimeSec");
      await anvil.resumeMining(sec);
      return { mining: true };
    },

    "POST /l2/mine": async (body) => {
      const anvil = requireAnvil(target);
      const blocks = body.blocks === undefined ? 1 : integer(body.blocks, "blocks");
      if (blocks < 1) throw new BadRequest("blocks: must be at least 1");
      await anvil.mine(blocks);
      return { blockNumber: String(await anvil.blockNumber()) };
    },

    "POST /l2/reorg": async (body) => {
      const anvil = requireAnvil(target);
      const depth = integer(body.depth, "depth");
      const head = await anvil.blockNumber();
      if (depth < 1 || BigInt(depth) > head)
        throw new BadRequest(`depth: must be between 1 and the L2 head ${head}`);
      await anvil.reorg(depth);
      return { blockNumber: String(await anvil.blockNumber()), depth };
    },

    "POST /faults": (body) => {
      const next = { ...faults };
      for (const key of ["errorRate", "dropRate"] as const) {
        if (body[key] === undefined) continue;
        const v = body[key];
        if (typeof v !== "number" || !(v >= 0 && v <= 1))
          throw new BadRequest(`${key}: must be a number between 0 and 1`);
        next[key] = v;
      }
      if (body.latencyMs !== undefined) {
        const v = body.latencyMs;
        if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 60_000) {
          throw new BadRequest("latencyMs: must be an integer between 0 and 60000");
        }
        next.latencyMs = v;
      }
      faults = next;
      rpc.setFaults(faults);
      return faults;
    },
  };

  function requireRunning(): void {
    if (chain.isPaused) throw new Conflict("babylon: blocks are paused; resume them to send the contract tx");
  }

  function knownProvider(body: Body): string {
    const pk = hex32(requireString(body, "btcPkHex"), "btcPkHex");
    if (!staking.staking.provider(pk)) throw new BadRequest(`btcPkHex: no finality provider ${pk}`);
    return pk;
  }

  function knownDelegation(body: Body): string {
    const hash = hex32(requireString(body, "stakingTxHash"), "stakingTxHash");
    if (!staking.staking.delegation(hash)) throw new BadRequest(`stakingTxHash: no delegation ${hash}`);
    return hash;
  }

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  // As on the RPC server: a busy event loop must not close idle keep-alive sockets a client is reusing.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0]!.replace(/\/+$/, "") || "/";
    const route = routes[`${req.method} ${path}`];
    if (!route) {
      const exists = Object.keys(routes).some((r) => r.endsWith(` ${path}`));
      return reply(res, exists ? 405 : 404, {
        error: `${exists ? "method not allowed" : "no such endpoint"}: ${req.method} ${path}`,
      });
    }
    try {
      const body = req.method === "POST" ? await readBody(req) : {};
      const out = await route(body);
      if (out instanceof Reply) return reply(res, out.status, out.body);
      return reply(res, 200, out);
    } catch (err) {
      if (err instanceof BadRequest) return reply(res, 400, { error: err.message });
      if (err instanceof Conflict) return reply(res, 409, { error: err.message });
      return reply(res, 500, { error: (err as Error).message });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
  res.writeHead(status, { "content-type": "application/json" });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<Body> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1_000_000) throw new BadRequest("body: larger than 1 MB");
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (text === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BadRequest("body: not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new BadRequest("body: must be a JSON object");
  return parsed as Body;
}

function check(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    throw new BadRequest((err as Error).message);
  }
}

function requireAnvil(target: AdminTarget): Anvil {
  if (!target.anvil) throw new BadRequest("l2: this devnet runs without an L2 (started with l2: false)");
  return target.anvil;
}

function optString(body: Body, key: string): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw new BadRequest(`${key}: must be a string`);
  return v;
}

function requireString(body: Body, key: string): string {
  const v = optString(body, key);
  if (v === undefined) throw new BadRequest(`${key}: required`);
  return v;
}

function optBool(body: Body, key: string): boolean | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw new BadRequest(`${key}: must be true or false`);
  return v;
}

function integer(v: unknown, key: string): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v)) throw new BadRequest(`${key}: must be an integer`);
  return v;
}

function positiveNumber(v: unknown, key: string): number {
  if (typeof v !== "number" || !(v > 0)) throw new BadRequest(`${key}: must be a positive number`);
  return v;
}

function satoshis(v: unknown, key: string): bigint {
  if (typeof v === "number" && Number.isSafeInteger(v) && v > 0) return BigInt(v);
  if (typeof v === "string" && /^[1-9]\d*$/.test(v)) return BigInt(v);
  throw new BadRequest(`${key}: must be a positive integer number of satoshis (number or decimal string)`);
}

function hex32(v: string, key: string): string {
  const lower = v.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(lower)) throw new BadRequest(`${key}: must be 64 hex characters`);
  return lower;
}

function decimal(text: string, key: string): bigint {
  let wire: string;
  try {
    wire = legacyDecToWire(text);
  } catch {
    throw new BadRequest(`${key}: must be a decimal like "0.05"`);
  }
  const v = BigInt(wire);
  if (v < 0n || v > 10n ** 18n) throw new BadRequest(`${key}: must be between 0 and 1`);
  return v;
}

function votingPowerAtTip(fp: FinalityProvider, babylon: Babylon): bigint {
  if (fp.slashedBabylonHeight > 0n) return 0n;
  const tip = babylon.lightClient.tipHeight();
  let power = 0n;
  for (const group of babylon.staking.staking.delegatorsOf(fp.btcPkHex)) {
    for (const d of group.dels) if (babylon.staking.staking.status(d, tip) === "ACTIVE") power += d.totalSat;
  }
  return power;
}

function providerSummary(fp: FinalityProvider, babylon: Babylon) {
  return {
    btcPkHex: fp.btcPkHex,
    addr: fp.addr,
    moniker: fp.description.moniker,
    bsnId: fp.bsnId,
    jailed: fp.jailed,
    slashedBabylonHeight: String(fp.slashedBabylonHeight),
    slashedBtcHeight: fp.slashedBtcHeight,
    votingPowerAtTip: String(votingPowerAtTip(fp, babylon)),
  };
}

function delegationSummary(d: Delegation, babylon: Babylon) {
  return {
    stakingTxHash: d.stakingTxHashHex,
    fps: d.fpBtcPkList,
    amountSat: String(d.totalSat),
    stakingTime: d.stakingTime,
    startHeight: d.startHeight,
    endHeight: d.endHeight,
    covenantQuorum: d.covenantSigs >= babylon.staking.staking.params.covenantQuorum,
    unbondedAt: d.unbonding?.spendHeight ?? null,
    status: babylon.staking.staking.status(d, babylon.lightClient.tipHeight()),
  };
}
