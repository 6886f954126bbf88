// `op-btc-finality doctor`: the configuration checked against the real world before a start. Each check says
// what it found in one line and, when something is wrong, what to change. A failed check makes the command
// exit non-zero; a warning does not (the service copes, but an operator should know).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CosmWasmClient } from "@cosmjs/cosmwasm";
import pg from "pg";
import { probeNewBlocks, websocketUrl } from "../chains/babylon/new-blocks.ts";
import type { Config } from "../config.ts";
import { appliedMigrationNames, defaultMigrationsDir } from "../db/migrate.ts";

export type CheckStatus = "ok" | "warn" | "fail";

export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
  /** What to change, for a warning or a failure. */
  hint?: string;
}

export interface DoctorOptions {
  config: Config;
  /** The rollup's BSN id as the operator expects it (compared with the contract's). */
  bsnId?: string;
  /** The L2 chain id as the operator expects it. */
  l2ChainId?: number;
  /** A provider home whose provider.toml and keys are checked too. */
  providerHome?: string;
  /** Per network call (default 5 s). */
  timeoutMs?: number;
}

class CheckFailed extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

async function withTimeout<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function jsonRpc<T>(url: string, method: string, params: unknown, timeoutMs: number): Promise<T> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) throw new Error(`${method}: HTTP ${res.status}`);
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

function message(error: unknown): string {
  const e = error as { message?: string; cause?: { message?: string } };
  return [e.message, e.cause?.message].filter(Boolean).join(": ") || String(error);
}

async function checkDatabase(config: Config, timeoutMs: number): Promise<CheckResult> {
  const name = "database";
  if (!config.database.url) {
    return {
      name,
      status: "ok",
      detail: `embedded PGlite under ${config.database.data_dir}/pglite (created and migrated at start)`,
    };
  }
  const client = new pg.Client({ connectionString: config.database.url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
  } catch (error) {
    throw new CheckFailed(
      `cannot connect to Postgres: ${message(error)}`,
      "check database.url (DATABASE_URL) and that the server is up and accepts this user",
    );
  }
  try {
    const known = readdirSync(defaultMigrationsDir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    const applied = await appliedMigrationNames(client);
    const pending = known.filter((m) => !applied.includes(m));
    const unknown = applied.filter((m) => !known.includes(m));
    if (unknown.length > 0) {
      throw new CheckFailed(
        `the database has migrations this version does not know: ${unknown.join(", ")}`,
        "run the op-btc-finality version that migrated this database, or a newer one",
      );
    }
    if (pending.length > 0) {
      return {
        name,
        status: "warn",
        detail: `Postgres reachable; ${pending.length} of ${known.length} migrations not applied yet`,
        hint: "`start` applies them, or run `op-btc-finality db migrate` now",
      };
    }
    return { name, status: "ok", detail: `Postgres reachable, all ${known.length} migrations applied` };
  } finally {
    await client.end().catch(() => {});
  }
}

interface L2Facts {
  head: bigint;
}

async function checkL2(options: DoctorOptions, timeoutMs: number): Promise<[CheckResult, L2Facts]> {
  const url = options.config.l2.rpc_url;
  if (!url)
    throw new CheckFailed("l2.rpc_url is not set", "set l2.rpc_url (OBF_L2_RPC_URL) to the OP-stack RPC");
  const httpUrl = url.replace(/^ws(s?):/, "http$1:");
  let chainId: number;
  let head: bigint;
  try {
    chainId = Number(BigInt(await jsonRpc<string>(httpUrl, "eth_chainId", [], timeoutMs)));
    head = BigInt(await jsonRpc<string>(httpUrl, "eth_blockNumber", [], timeoutMs));
  } catch (error) {
    throw new CheckFailed(
      `L2 RPC ${url} does not answer: ${message(error)}`,
      "check l2.rpc_url and the node",
    );
  }
  if (options.l2ChainId !== undefined && chainId !== options.l2ChainId) {
    throw new CheckFailed(
      `L2 RPC ${url} serves chain id ${chainId}, expected ${options.l2ChainId}`,
      "point l2.rpc_url at the rollup this gadget serves",
    );
  }
  return [{ name: "l2", status: "ok", detail: `${url}: chain id ${chainId}, head ${head}` }, { head }];
}

async function checkBabylon(config: Config, timeoutMs: number): Promise<CheckResult> {
  const url = config.babylon.rpc_url;
  if (!url) {
    throw new CheckFailed("babylon.rpc_url is not set", "set babylon.rpc_url (OBF_BABYLON_RPC_URL)");
  }
  let network: string;
  let version: string;
  let height: string;
  try {
    const status = await jsonRpc<{
      node_info: { network: string };
      sync_info: { latest_block_height: string };
    }>(url, "status", {}, timeoutMs);
    const info = await jsonRpc<{ response: { version?: string } }>(url, "abci_info", {}, timeoutMs);
    network = status.node_info.network;
    height = status.sync_info.latest_block_height;
    version = info.response.version ?? "";
  } catch (error) {
    throw new CheckFailed(`Babylon RPC ${url} does not answer: ${message(error)}`, "check babylon.rpc_url");
  }
  if (config.babylon.chain_id && network !== config.babylon.chain_id) {
    throw new CheckFailed(
      `babylon.chain_id is "${config.babylon.chain_id}" but ${url} serves "${network}"`,
      `set babylon.chain_id = "${network}", or point babylon.rpc_url at the ${config.babylon.chain_id} network`,
    );
  }
  const major = /^v?(\d+)\./.exec(version)?.[1];
  if (major !== undefined && Number(major) >= 4 && config.babylon.contract_dialect === "rollup-bsn") {
    throw new CheckFailed(
      `${url} runs Babylon ${version}; v4 removed the rollup-BSN finality contract support this dialect needs`,
      "use a Babylon v3 node for the rollup-bsn contract",
    );
  }
  return {
    name: "babylon",
    status: "ok",
    detail: `${url}: chain id ${network}, app version ${version || "unknown"}, height ${height}`,
  };
}

/** The node's new-block notices (a warning without them: the gadget polls, each block later by up to a poll). */
async function checkBabylonWebsocket(config: Config, timeoutMs: number): Promise<CheckResult> {
  const url = websocketUrl(config.babylon.rpc_url);
  try {
    await probeNewBlocks(config.babylon.rpc_url, timeoutMs);
    return { name: "babylon ws", status: "ok", detail: `${url}: new-block notices` };
  } catch (error) {
    return {
      name: "babylon ws",
      status: "warn",
      detail: `${url}: no new-block notices (${message(error)}); the gadget polls instead`,
      hint: `serve CometBFT's /websocket beside babylon.rpc_url, or accept up to babylon.poll_interval_ms (${config.babylon.poll_interval_ms} ms) more latency per block`,
    };
  }
}

interface ContractFacts {
  bsnId: string;
  activationHeight: bigint;
  interval: bigint;
}

async function checkContract(config: Config, timeoutMs: number): Promise<[CheckResult, ContractFacts]> {
  const address = config.babylon.contract_address;
  if (!address) {
    throw new CheckFailed(
      "babylon.contract_address is not set",
      "set babylon.contract_address (OBF_BABYLON_CONTRACT_ADDRESS)",
    );
  }
  const client = await withTimeout("Babylon RPC", timeoutMs, CosmWasmClient.connect(config.babylon.rpc_url));
  try {
    let codeId: number;
    try {
      codeId = (await withTimeout("contract info", timeoutMs, client.getContract(address))).codeId;
    } catch (error) {
      throw new CheckFailed(
        `no contract at ${address}: ${message(error)}`,
        "check babylon.contract_address against the rollup's finality contract",
      );
    }
    const checksum = await withTimeout("code info", timeoutMs, client.getCodeDetails(codeId)).then(
      (code) => code.checksum,
      () => undefined,
    );
    let raw: Record<string, unknown>;
    try {
      raw = await withTimeout(
        "contract config",
        timeoutMs,
        client.queryContractSmart(address, { config: {} }),
      );
    } catch (error) {
      throw new CheckFailed(
        `contract ${address} (code ${codeId}) does not answer {"config":{}}: ${message(error)}`,
        `check that it is a finality contract of the ${config.babylon.contract_dialect} dialect (babylon.contract_dialect)`,
      );
    }
    const facts: ContractFacts = {
      bsnId: String(raw.bsn_id ?? raw.consumer_id ?? ""),
      activationHeight: BigInt(String(raw.bsn_activation_height ?? raw.activated_height ?? 0)),
      interval: BigInt(String(raw.finality_signature_interval ?? 1)),
    };
    const sum = checksum === undefined ? "checksum not served by this node" : `checksum ${checksum}`;
    return [
      {
        name: "contract",
        status: "ok",
        detail: `${address}: code ${codeId} (${sum}); BSN ${facts.bsnId}, activation ${facts.activationHeight}, interval ${facts.interval}`,
      },
      facts,
    ];
  } finally {
    client.disconnect();
  }
}

function checkActivation(config: Config, contract: ContractFacts, l2: L2Facts): CheckResult {
  const a = contract.activationHeight;
  const start = config.l2.start_height === 0 ? a : BigInt(config.l2.start_height);
  if (start > a) {
    return {
      name: "activation",
      status: "warn",
      detail: `l2.start_height ${start} is above the activation height ${a}: blocks from ${a} are not indexed`,
      hint: "finality is consecutive from the activation height; set l2.start_height = 0 to start there",
    };
  }
  const state = l2.head >= a ? `reached (L2 head ${l2.head})` : `${a - l2.head} blocks ahead of the L2 head`;
  return {
    name: "activation",
    status: "ok",
    detail: `activation height ${a}: ${state}; indexing from ${start}`,
  };
}

function checkBsn(options: DoctorOptions, contract: ContractFacts): CheckResult {
  const expected = [
    ...(options.bsnId === undefined ? [] : [{ from: "--bsn-id", value: options.bsnId }]),
    ...(options.providerHome === undefined
      ? []
      : [{ from: "provider.toml", value: providerBsnId(options.providerHome) }]),
  ];
  for (const e of expected) {
    if (e.value !== contract.bsnId) {
      throw new CheckFailed(
        `the contract serves BSN "${contract.bsnId}" but ${e.from} says "${e.value}"`,
        "use the finality contract of your rollup's BSN, or correct the BSN id",
      );
    }
  }
  const how =
    expected.length === 0
      ? " (pass --bsn-id to compare)"
      : `, as ${expected.map((e) => e.from).join(" and ")}`;
  return { name: "bsn", status: "ok", detail: `BSN id "${contract.bsnId}"${how}` };
}

function providerBsnId(home: string): string {
  const toml = readFileSync(join(home, "provider.toml"), "utf8");
  return /^\s*bsn_id\s*=\s*"([^"]*)"/m.exec(toml)?.[1] ?? "";
}

function checkProviderKeys(home: string): CheckResult {
  let toml: string;
  try {
    toml = readFileSync(join(home, "provider.toml"), "utf8");
  } catch (error) {
    throw new CheckFailed(
      `cannot read ${home}/provider.toml: ${message(error)}`,
      "run `provider init` there",
    );
  }
  const names = ["key_name", "account_key_name"].map(
    (key) =>
      new RegExp(`^\\s*${key}\\s*=\\s*"([^"]*)"`, "m").exec(toml)?.[1] ??
      (key === "key_name" ? "default" : "account"),
  );
  for (const name of names) {
    const path = join(home, "keys", `${name}.json`);
    try {
      JSON.parse(readFileSync(path, "utf8"));
    } catch (error) {
      throw new CheckFailed(
        `provider key ${name} is not readable at ${path}: ${message(error)}`,
        "create or import it with `op-btc-finality provider keys`, and check the file's owner and mode",
      );
    }
  }
  return { name: "provider keys", status: "ok", detail: `${names.join(", ")} readable in ${home}/keys` };
}

/** Runs every check; a check that depends on a failed one is reported as skipped (a failure). */
export async function runDoctor(options: DoctorOptions): Promise<CheckResult[]> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const results: CheckResult[] = [];
  const run = async <T>(name: string, check: () => Promise<T> | T): Promise<T | undefined> => {
    try {
      return await check();
    } catch (error) {
      const hint = error instanceof CheckFailed ? error.hint : undefined;
      results.push({ name, status: "fail", detail: message(error), ...(hint ? { hint } : {}) });
      return undefined;
    }
  };
  const { config } = options;
  const db = await run("database", () => checkDatabase(config, timeoutMs));
  if (db) results.push(db);
  const l2 = await run("l2", () => checkL2(options, timeoutMs));
  if (l2) results.push(l2[0]);
  const babylon = await run("babylon", () => checkBabylon(config, timeoutMs));
  if (babylon) results.push(babylon, await checkBabylonWebsocket(config, timeoutMs));
  const contract = babylon ? await run("contract", () => checkContract(config, timeoutMs)) : undefined;
  if (contract) results.push(contract[0]);
  if (contract && l2) results.push(checkActivation(config, contract[1], l2[1]));
  if (contract) {
    const bsn = await run("bsn", () => checkBsn(options, contract[1]));
    if (bsn) results.push(bsn);
  }
  if (options.providerHome !== undefined) {
    const keys = await run("provider keys", () => checkProviderKeys(options.providerHome!));
    if (keys) results.push(keys);
  }
  return results;
}

const MARK: Record<CheckStatus, string> = { ok: "ok  ", warn: "warn", fail: "FAIL" };

/** One line per check, the hint indented under a warning or failure. */
export function formatResults(results: readonly CheckResult[]): string {
  return results
    .map((r) => {
      const line = `${MARK[r.status]}  ${r.name.padEnd(13)} ${r.detail}`;
      return r.hint ? `${line}\n      ${"".padEnd(13)} fix: ${r.hint}` : line;
    })
    .join("\n");
}
