// The campaign's processes, each run the way an operator runs it (`op-btc-finality start`,
// `op-btc-finality provider start`) so that a fault can SIGKILL it at any moment. A process that exits on
// its own is restarted and counted: the service must not stop on a fault (DESIGN rule 10).
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const execFileP = promisify(execFile);
// The package's command: two folders up from the sources (src/chaos), three from the compiled code (dist/src/chaos).
const BIN = ["../../bin/op-btc-finality.js", "../../../bin/op-btc-finality.js"]
  .map((path) => fileURLToPath(new URL(path, import.meta.url)))
  .find((path) => existsSync(path))!;

export interface LogLine {
  msg?: string;
  level?: number;
  [key: string]: unknown;
}

export interface UnexpectedExit {
  name: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  atMs: number;
  stderr: string;
}

export class ManagedProcess {
  private child: ChildProcess | undefined;
  private readonly listeners = new Set<(line: LogLine) => void>();
  /** The last lines of stderr, for a crash report. */
  private stderrTail = "";
  private killedOnPurpose = false;
  private stopping = false;
  starts = 0;

  constructor(
    readonly name: string,
    private readonly args: string[],
    private readonly env: NodeJS.ProcessEnv,
    private readonly onUnexpectedExit: (exit: UnexpectedExit) => void,
    private readonly now: () => number,
    private readonly expectedExit: (stderr: string) => boolean = () => false,
  ) {}

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    if (this.running || this.stopping) return;
    this.killedOnPurpose = false;
    this.starts++;
    const child = spawn(process.execPath, [BIN, ...this.args], {
      env: { ...process.env, ...this.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    let partial = "";
    child.stdout!.on("data", (d: Buffer) => {
      const parts = (partial + d.toString()).split("\n");
      partial = parts.pop() ?? "";
      for (const p of parts) {
        if (!p.startsWith("{")) continue;
        let line: LogLine;
        try {
          line = JSON.parse(p) as LogLine;
        } catch {
          continue;
        }
        for (const l of this.listeners) l(line);
      }
    });
    child.stderr!.on("data", (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString()).slice(-4000);
    });
    child.on("exit", (code, signal) => {
      if (this.killedOnPurpose || this.stopping || this.child !== child) return;
      if (this.expectedExit(this.stderrTail)) {
        this.stopping = true;
        return;
      }
      this.onUnexpectedExit({ name: this.name, code, signal, atMs: this.now(), stderr: this.stderrTail });
      setTimeout(() => {
        if (!this.stopping && this.child === child) this.start();
      }, 1_000);
    });
  }

  onLine(listener: (line: LogLine) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The first log line matching `pred` from now on. */
  waitForLine(pred: (l: LogLine) => boolean, timeoutMs: number): Promise<LogLine | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        off();
        resolve(null);
      }, timeoutMs);
      const off = this.onLine((l) => {
        if (!pred(l)) return;
        clearTimeout(timer);
        off();
        resolve(l);
      });
    });
  }

  /** SIGKILL, as a crash: nothing gets to clean up. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === undefined || !this.running) return;
    this.killedOnPurpose = true;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
  }

  /** SIGTERM and wait (SIGKILL after 15 s). */
  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (child === undefined || !this.running) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
  }
}

/** Runs one short CLI command (an operator's) to its end; rejects with its stderr when it fails. */
export async function runCli(args: string[], env: Record<string, string>): Promise<void> {
  await execFileP(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, timeout: 60_000 });
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

export interface GadgetProcessOptions {
  name: string;
  databaseUrl: string;
  l2RpcUrl: string;
  babylonRpcUrl: string;
  babylonChainId: string;
  contractAddress: string;
  httpPort: number;
  grpcPort: number;
}

/** A gadget instance; several on one database make a writer and hot standbys. */
export function gadgetProcess(
  o: GadgetProcessOptions,
  onUnexpectedExit: (exit: UnexpectedExit) => void,
  now: () => number,
): ManagedProcess {
  return new ManagedProcess(
    o.name,
    [
      "start",
      `--l2.rpc_url=${o.l2RpcUrl}`,
      "--l2.poll_interval_ms=500",
      `--babylon.rpc_url=${o.babylonRpcUrl}`,
      `--babylon.chain_id=${o.babylonChainId}`,
      `--babylon.contract_address=${o.contractAddress}`,
      "--babylon.poll_interval_ms=250",
      "--babylon.reconcile_interval_ms=5000",
      "--api.host=127.0.0.1",
      `--api.http_port=${o.httpPort}`,
      `--api.grpc_port=${o.grpcPort}`,
      "--log.level=info",
    ],
    { DATABASE_URL: o.databaseUrl },
    onUnexpectedExit,
    now,
  );
}

export function providerProcess(
  name: string,
  home: string,
  passphrase: string,
  onUnexpectedExit: (exit: UnexpectedExit) => void,
  now: () => number,
  options: { expectedExit?: (stderr: string) => boolean } = {},
): ManagedProcess {
  return new ManagedProcess(
    name,
    ["provider", "start", "--home", home],
    { OBF_PROVIDER_PASSPHRASE: passphrase },
    onUnexpectedExit,
    now,
    options.expectedExit,
  );
}
