// A provider daemon run the way an operator runs it: `op-btc-finality provider start --home H` through
// bin/op-btc-finality.js in a child process, its JSON log lines collected for the test to read.
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../bin/op-btc-finality.js", import.meta.url));

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class ProviderProcess {
  /** every log line of this process */
  readonly lines: LogLine[] = [];
  readonly exited: Promise<Exit>;
  private readonly child: ChildProcess;
  private stderr = "";

  /** `sink` also receives every log line (a log kept across restarts). */
  private constructor(args: string[], env: NodeJS.ProcessEnv, sink?: LogLine[]) {
    this.child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let partial = "";
    this.child.stdout!.on("data", (d: Buffer) => {
      const parts = (partial + d.toString()).split("\n");
      partial = parts.pop() ?? "";
      for (const p of parts) {
        if (p.trim() === "") continue;
        let line: LogLine;
        try {
          line = JSON.parse(p) as LogLine;
        } catch {
          line = { level: 0, msg: p };
        }
        this.lines.push(line);
        sink?.push(line);
      }
    });
    this.child.stderr!.on("data", (d: Buffer) => {
      this.stderr += d.toString();
    });
    this.exited = new Promise((resolve) => {
      this.child.on("exit", (code, signal) => resolve({ code, signal }));
    });
  }

  static start(home: string, env: NodeJS.ProcessEnv, sink?: LogLine[]): ProviderProcess {
    return new ProviderProcess(["provider", "start", "--home", home], env, sink);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get errorOutput(): string {
    return this.stderr;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  signal(sig: NodeJS.Signals): void {
    this.child.kill(sig);
  }

  /** The first log line matching `pred`, waiting for it; fails if the process exits first. */
  async waitForLog(what: string, pred: (l: LogLine) => boolean, timeoutMs = 60_000): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.lines.find(pred);
      if (hit !== undefined) return hit;
      if (!this.running) throw new Error(`provider exited before logging ${what}: ${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for log: ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Sends `sig` and waits for the exit; fails if the process is still running after `timeoutMs`. */
  async stop(sig: NodeJS.Signals, timeoutMs = 15_000): Promise<Exit> {
    this.signal(sig);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`provider did not exit within ${timeoutMs} ms of ${sig}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
