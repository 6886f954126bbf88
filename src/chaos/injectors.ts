// Carries out one scheduled fault through the system's external interfaces only: signals to processes, the
// devnet's admin API, Postgres, and the contract admin's own signed txs. Each injector returns the action
// that ends the fault (restart, resume, unjail, …), run when the fault's duration is over.
import { SigningCosmWasmClient } from "@cosmjs/cosmwasm";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { GasPrice } from "@cosmjs/stargate";
import { MALFORMED_EVENT_KINDS } from "../devnet/babylon/malformed.ts";
import type { FaultKey } from "./fault-kinds.ts";
import type { ScheduledFault } from "./schedule.ts";
import type { ManagedProcess } from "./supervisor.ts";

export class InjectionError extends Error {}

export interface InjectionTarget {
  adminUrl: string;
  babylonRpcUrl: string;
  contractAddress: string;
  contractAdminMnemonic: string;
  /** The writer and the standby, whichever holds the writer lock now first. */
  gadgets(): { writer: ManagedProcess | undefined; standby: ManagedProcess | undefined };
  providers: { process: ManagedProcess; btcPkHex: string }[];
  /** Index of the provider the campaign may slash (its stake is the smallest). */
  slashable: number;
  slashedOnPurpose: Set<string>;
  /** Ends every connection of the gadgets to their database, or restarts Postgres. */
  postgresFault(): Promise<void>;
  /** Reorgs at most `depth` blocks of the L2 suffix that nothing may finalize; how many it reorged. */
  reorgUnfinalized(depth: number): Promise<number>;
  /** Babylon block production paused while anyone holds it (the `babylon_pause` fault, a reorg). */
  holdBabylon(): Promise<void>;
  releaseBabylon(): Promise<void>;
  /** Records an unreadable event put on Babylon (its height, when the block was made at once). */
  unreadableInjected(babylonHeight: number | null): UnreadableFault;
  /** The unreadable event the live gadget reports it is stopped at, if any. */
  stoppedAt(): Promise<UnreadableEvent | null>;
  /** The operator's decision to read past it (`op-btc-finality babylon skip-event`). */
  skipEvent(event: UnreadableEvent): Promise<void>;
}

export interface UnreadableEvent {
  babylonHeight: string;
  eventType: string;
}

/** An unreadable event the campaign put on Babylon; until the operator's decision starts, nothing may finalize
 * across it (invariant 6). */
export interface UnreadableFault {
  babylonHeight: number | null;
  skipStartedAtMs: number | null;
}

type Undo = () => Promise<void>;
/** How long an allow-list change is retried: longer than Babylon is ever held by a fault or a reorg. */
const ALLOWLIST_PATIENCE_MS = 120_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The first provider from index `start` on (wrapping) that the campaign has not slashed. */
export function firstUnslashed(
  providers: readonly { btcPkHex: string }[],
  slashed: ReadonlySet<string>,
  start: number,
): string | undefined {
  for (let i = 0; i < providers.length; i++) {
    const pk = providers[(start + i) % providers.length]!.btcPkHex;
    if (!slashed.has(pk)) return pk;
  }
  return undefined;
}

export async function admin(url: string, path: string, body?: unknown): Promise<unknown> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${url}${path}`, {
      method: body === undefined ? "GET" : "POST",
      ...(body === undefined
        ? {}
        : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    // 202: queued while Babylon is paused; it lands when blocks resume.
    if (res.ok) return res.status === 202 ? null : JSON.parse(text);
    if (res.status === 504 && attempt < 3) continue;
    throw new InjectionError(`devnet admin ${path}: ${res.status} ${text}`);
  }
}

export class Injectors {
  private contractAdmin: { client: SigningCosmWasmClient; sender: string } | undefined;
  /** Babylon heights of the unreadable events the operator decided to read past. */
  private readonly skipped = new Set<string>();

  constructor(private readonly t: InjectionTarget) {}

  async close(): Promise<void> {
    this.contractAdmin?.client.disconnect();
  }

  async inject(fault: ScheduledFault): Promise<Undo> {
    const p = fault.params;
    const t = this.t;
    const handlers: Record<FaultKey, () => Promise<Undo>> = {
      gadget_kill: async () => {
        const { writer } = t.gadgets();
        await writer?.kill();
        return async () => writer?.start();
      },
      standby_kill: async () => {
        const { standby } = t.gadgets();
        await standby?.kill();
        return async () => standby?.start();
      },
      provider_kill: async () => {
        const target = t.providers[p.provider! % t.providers.length]!.process;
        if (p.aroundBroadcast === 1) {
          // Right after a batch of votes was confirmed, when the next broadcast is being prepared.
          await target.waitForLine((l) => l.msg === "votes confirmed" || l.msg === "voted", 15_000);
        }
        await target.kill();
        return async () => target.start();
      },
      postgres_restart: async () => {
        await t.postgresFault();
        return async () => {};
      },
      babylon_rpc_faults: async () => {
        await admin(t.adminUrl, "/faults", {
          errorRate: p.errorRate,
          latencyMs: p.latencyMs,
          dropRate: p.dropRate,
        });
        return async () => {
          await admin(t.adminUrl, "/faults", { errorRate: 0, latencyMs: 0, dropRate: 0 });
        };
      },
      babylon_pause: async () => {
        await t.holdBabylon();
        return async () => t.releaseBabylon();
      },
      l2_reorg: async () => {
        await t.reorgUnfinalized(p.depth!);
        return async () => {};
      },
      btc_pause: async () => {
        await admin(t.adminUrl, "/btc/pause", {});
        return async () => {
          await admin(t.adminUrl, "/btc/advance", { blocks: p.burst });
          await admin(t.adminUrl, "/btc/resume", {});
        };
      },
      jail: async () => {
        // Babylon refuses to jail a slashed provider: the next one that is not.
        const pk = this.unslashedFrom(p.provider!);
        if (pk === undefined) return async () => {};
        await admin(t.adminUrl, "/providers/jail", { btcPkHex: pk });
        return async () => {
          // A `slash` fault may have drawn it while it sat jailed, and Babylon unjails no slashed provider.
          if (t.slashedOnPurpose.has(pk)) return;
          await admin(t.adminUrl, "/providers/unjail", { btcPkHex: pk });
        };
      },
      slash: async () => {
        const pk = t.providers[t.slashable]!.btcPkHex;
        t.slashedOnPurpose.add(pk);
        await admin(t.adminUrl, "/providers/slash", { btcPkHex: pk });
        return async () => {};
      },
      unbond: async () => {
        // Babylon takes no new delegation to a slashed provider: the next one that is not.
        const pk = this.unslashedFrom(p.provider!);
        if (pk === undefined) return async () => {};
        const all = (await admin(t.adminUrl, "/delegations")) as {
          stakingTxHash: string;
          fps: string[];
          amountSat: string;
          stakingTime: number;
          status: string;
        }[];
        const mine = all.filter((d) => d.fps.includes(pk) && d.status === "ACTIVE");
        if (mine.length === 0) return async () => {};
        const d = mine[Math.floor(p.pick! * mine.length)]!;
        // A new delegation first, so the provider's stake is back by the time the old one stops counting.
        await admin(t.adminUrl, "/delegations", {
          fp: pk,
          amountSat: d.amountSat,
          stakingTime: d.stakingTime,
        });
        await admin(t.adminUrl, "/delegations/unbond", { stakingTxHash: d.stakingTxHash });
        return async () => {};
      },
      allowlist_change: async () => {
        const pk = t.providers[p.provider! % t.providers.length]!.btcPkHex;
        await this.allowlist("remove_from_allowlist", pk);
        return async () => this.allowlist("add_to_allowlist", pk);
      },
      malformed_event: async () => {
        const made = (await admin(t.adminUrl, "/babylon/malformed-event", {
          kind: MALFORMED_EVENT_KINDS[(p.variant ?? 0) % MALFORMED_EVENT_KINDS.length],
          contractAddress: t.contractAddress,
        })) as { height: string } | null;
        const fault = t.unreadableInjected(made === null ? null : Number(made.height));
        return async () => {
          // The operator reads which event the gadget stopped at, and decides to read past it.
          const deadline = Date.now() + 120_000;
          for (;;) {
            const stopped = await t.stoppedAt().catch(() => null);
            // Its own event: a gadget may still report an earlier one that a decision already passed.
            const mine =
              stopped !== null &&
              (fault.babylonHeight === null
                ? !this.skipped.has(stopped.babylonHeight)
                : Number(stopped.babylonHeight) === fault.babylonHeight);
            if (stopped !== null && mine) {
              this.skipped.add(stopped.babylonHeight);
              fault.babylonHeight ??= Number(stopped.babylonHeight);
              fault.skipStartedAtMs = Date.now();
              await t.skipEvent(stopped);
              return;
            }
            if (Date.now() > deadline)
              throw new InjectionError("no gadget reported the unreadable event within 120 s");
            await sleep(1_000);
          }
        };
      },
    };
    return handlers[fault.kind]();
  }

  private unslashedFrom(start: number): string | undefined {
    return firstUnslashed(this.t.providers, this.t.slashedOnPurpose, start);
  }

  /**
   * The contract admin's own signed tx, retried through injected RPC faults until the allow-list shows it. A try
   * whose reply a fault dropped may still have reached the mempool, where it waits while Babylon is held; the
   * next tries are then refused (sequence mismatch, already in the mempool) until it lands, so every retry
   * first asks the contract whether the change is already made.
   */
  private async allowlist(op: "add_to_allowlist" | "remove_from_allowlist", pk: string): Promise<void> {
    const deadline = Date.now() + ALLOWLIST_PATIENCE_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        const { client, sender } = await this.contractAdminClient();
        if (attempt > 0) {
          const listed: string[] = await client.queryContractSmart(this.t.contractAddress, {
            allowed_finality_providers: {},
          });
          if (listed.map((k) => k.toLowerCase()).includes(pk) === (op === "add_to_allowlist")) return;
        }
        await client.execute(sender, this.t.contractAddress, { [op]: { fp_pubkey_hex_list: [pk] } }, "auto");
        return;
      } catch (error) {
        this.contractAdmin?.client.disconnect();
        this.contractAdmin = undefined;
        if (Date.now() > deadline) throw new InjectionError(`${op} ${pk}: ${(error as Error).message}`);
        await sleep(1_000);
      }
    }
  }

  private async contractAdminClient(): Promise<{ client: SigningCosmWasmClient; sender: string }> {
    if (this.contractAdmin === undefined) {
      const wallet = await DirectSecp256k1HdWallet.fromMnemonic(this.t.contractAdminMnemonic, {
        prefix: "bbn",
      });
      const sender = (await wallet.getAccounts())[0]!.address;
      const client = await SigningCosmWasmClient.connectWithSigner(this.t.babylonRpcUrl, wallet, {
        gasPrice: GasPrice.fromString("0.002ubbn"),
        broadcastPollIntervalMs: 100,
      });
      this.contractAdmin = { client, sender };
    }
    return this.contractAdmin;
  }
}
