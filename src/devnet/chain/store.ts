// Persistence of the chain in a state directory: blocks.jsonl (one committed block per line, appended)
// and state.json (all module state after a block, replaced atomically). Block lines beyond state.json's
// height (a crash between the writes, or state written only every N blocks) are dropped on load, so the
// chain resumes from a consistent height and produces those heights again.
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Block, deserializeBlock } from "./block.ts";

export interface PersistedState {
  chainId: string;
  height: string;
  modules: Record<string, unknown>;
}

export class ChainStore {
  private readonly blocksFile: string;
  private readonly stateFile: string;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.blocksFile = join(dir, "blocks.jsonl");
    this.stateFile = join(dir, "state.json");
  }

  load(): { state: PersistedState; blocks: Block[] } | undefined {
    if (!existsSync(this.stateFile)) return undefined;
    const state = JSON.parse(readFileSync(this.stateFile, "utf8")) as PersistedState;
    const height = BigInt(state.height);
    const blocks: Block[] = [];
    const kept: string[] = [];
    let dropped = false;
    const lines = existsSync(this.blocksFile) ? readFileSync(this.blocksFile, "utf8").split("\n") : [];
    for (const line of lines) {
      if (line.trim() === "") continue;
      let block: Block | undefined;
      try {
        block = deserializeBlock(JSON.parse(line));
      } catch {
        // a torn last line from a crash mid-append
      }
      if (block === undefined || block.header.height > height) {
        dropped = true;
        break;
      }
      blocks.push(block);
      kept.push(line);
    }
    if (BigInt(blocks.length) !== height) {
      throw new Error(
        `state directory ${this.dir} is inconsistent: state.json is at height ${height} but blocks.jsonl holds ${blocks.length} blocks`,
      );
    }
    // Rewrite so a dropped tail does not linger after the blocks produced next.
    if (dropped) {
      writeFileSync(this.blocksFile, kept.map((l) => `${l}\n`).join(""));
    }
    return { state, blocks };
  }

  /**
   * Appends a block's line (`serializedLine`); writes the module state too when given (it may be skipped to save
   * time).
   */
  save(line: string, state?: PersistedState): void {
    appendFileSync(this.blocksFile, `${line}\n`);
    if (state) this.saveState(state);
  }

  saveState(state: PersistedState): void {
    const tmp = `${this.stateFile}.tmp`;
    writeFileSync(tmp, JSON.stringify(state));
    renameSync(tmp, this.stateFile);
  }
}
