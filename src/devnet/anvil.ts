import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export interface AnvilOptions {
  /** Seconds between blocks (fractions allowed); 0 or undefined = mine only on demand (plus automine on txs). */
  blockTimeSec?: number;
  /** `--slots-in-an-epoch`: `safe` lags `latest` by S blocks and `finalized` by 2·S. */
  slotsInAnEpoch?: number;
  /** L2 chain id; anvil's default is 31337. */
  chainId?: number;
  /** `--state`: the chain is loaded from this file at start and written back when anvil stops. */
  stateFile?: string;
  /** Extra command-line flags, appended last. */
  extraArgs?: string[];
  /** How long to wait for anvil to answer before giving up. */
  startTimeoutMs?: number;
}

export interface Anvil {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Sends one JSON-RPC request and returns its result; throws on a JSON-RPC error. */
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  blockNumber(): Promise<bigint>;
  mine(blocks?: number): Promise<void>;
  /** Replaces the last `depth` blocks with new ones at the same heights (different hashes). */
  reorg(depth: number): Promise<void>;
  pauseMining(): Promise<void>;
  /** Resumes interval mining at the configured block time (or `blockTimeSec` if given). */
  resumeMining(blockTimeSec?: number): Promise<void>;
  readonly mining: boolean;
  stop(): Promise<void>;
}

/**
 * Path of the platform anvil binary shipped by @foundry-rs/anvil's optional dependency. Spawning it directly
 * (rather than the package's node wrapper in .bin) means stop() kills anvil itself, not a wrapper that orphans it.
 */
export function anvilBinaryPath(): string {
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  const pkg = `@foundry-rs/anvil-${process.platform}-${arch}`;
  const binary = process.platform === "win32" ? "anvil.exe" : "anvil";
  const require = createRequire(import.meta.url);
  try {
    const path = join(dirname(require.resolve(`${pkg}/package.json`)), "bin", binary);
    if (existsSync(path)) return path;
  } catch {
    // fall through to the error below
  }
  throw new Error(`anvil binary not found: install @foundry-rs/anvil (platform package ${pkg} is missing)`);
}

const LISTENING = /Listening on ([\d.]+):(\d+)/;

export async function startAnvil(options: AnvilOptions = {}): Promise<Anvil> {
  const blockTime = options.blockTimeSec ?? 0;
  if (!(blockTime >= 0)) throw new Error(`anvil blockTimeSec must be >= 0, got ${options.blockTimeSec}`);
  const args = [
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--hardfork",
    "cancun",
    "--prune-history",
    "100",
    "--slots-in-an-epoch",
    String(options.slotsInAnEpoch ?? 4),
  ];
  if (blockTime > 0) args.push("--block-time", String(blockTime));
  if (options.chainId !== undefined) args.push("--chain-id", String(options.chainId));
  if (options.stateFile !== undefined) {
    mkdirSync(dirname(options.stateFile), { recursive: true });
    args.push("--state", options.stateFile);
  }
  args.push(...(options.extraArgs ?? []));

  const child = spawn(anvilBinaryPath(), args, { stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let port: number;
  try {
    port = await waitForListening(child, options.startTimeoutMs ?? 10_000);
  } catch (err) {
    child.kill("SIGKILL");
    await exited;
    throw err;
  }
  const url = `http://127.0.0.1:${port}`;
  let nextId = 1;
  let mining = blockTime > 0;

  async function rpc<T>(method: string, params: unknown[] = []): Promise<T> {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: nextId++, method, params }),
    });
    const body = (await res.json()) as { result?: T; error?: { code: number; message: string } };
    if (body.error) throw new Error(`anvil ${method}: ${body.error.message} (code ${body.error.code})`);
    return body.result as T;
  }

  // Wait until the JSON-RPC endpoint answers, not just until the listening line was printed.
  await rpc("eth_chainId");

  return {
    url,
    port,
    pid: child.pid ?? -1,
    rpc,
    get mining() {
      return mining;
    },
    async blockNumber() {
      return BigInt(await rpc<string>("eth_blockNumber"));
    },
    async mine(blocks = 1) {
      if (!Number.isInteger(blocks) || blocks < 1)
        throw new Error(`mine: blocks must be a positive integer, got ${blocks}`);
      await rpc("anvil_mine", [`0x${blocks.toString(16)}`]);
    },
    async reorg(depth) {
      if (!Number.isInteger(depth) || depth < 1)
        throw new Error(`reorg: depth must be a positive integer, got ${depth}`);
      // Empty blocks re-mined with the same timestamps hash the same as the ones they replace; a transfer in
      // the first new block (random amount) makes the new branch really differ.
      const [account] = await rpc<string[]>("eth_accounts");
      const value = `0x${(1 + Math.floor(Math.random() * 1_000_000)).toString(16)}`;
      await rpc("anvil_reorg", [depth, [[{ from: account, to: account, value }, 0]]]);
    },
    async pauseMining() {
      await rpc("evm_setIntervalMining", [0]);
      mining = false;
    },
    async resumeMining(sec) {
      const interval = sec ?? (blockTime > 0 ? blockTime : 1);
      if (!(interval > 0)) throw new Error(`resumeMining: block time must be > 0 seconds, got ${sec}`);
      // evm_setIntervalMining takes whole seconds; sub-second intervals round up to 1 s.
      await rpc("evm_setIntervalMining", [Math.max(1, Math.round(interval))]);
      mining = true;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function waitForListening(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = "";
    let found = false;
    const timer = setTimeout(
      () => fail(new Error(`anvil did not start within ${timeoutMs} ms: ${output.slice(-500)}`)),
      timeoutMs,
    );
    const fail = (err: Error) => {
      clearTimeout(timer);
      if (!found) reject(err);
      found = true;
    };
    const onData = (chunk: Buffer) => {
      if (found) return; // keep draining so anvil never blocks on a full pipe
      output += chunk.toString("utf8");
      const m = LISTENING.exec(output);
      if (m) {
        found = true;
        clearTimeout(timer);
        output = "";
        resolve(Number(m[2]));
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("error", (err) => fail(new Error(`anvil failed to start: ${err.message}`)));
    child.once("exit", (code, signal) =>
      fail(
        new Error(`anvil exited before listening (code ${code}, signal ${signal}): ${output.slice(-500)}`),
      ),
    );
  });
}
