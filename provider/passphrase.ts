// Where the keystore passphrase comes from, in order of precedence: a file (for systemd credentials or
// secrets mounts), an environment variable, or an interactive prompt that does not echo.
import { readFileSync } from "node:fs";
import type { Readable, Writable } from "node:stream";

export class PassphraseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PassphraseError";
  }
}

export interface PromptOptions {
  input: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  output: Writable;
  /** ask twice and require both answers to match (used when a key is created) */
  confirm?: boolean;
}

export interface PassphraseSources {
  /** name of an environment variable that holds the passphrase */
  env?: string;
  /** path of a file whose content (minus one trailing newline) is the passphrase */
  file?: string;
  /** prompt on these streams when neither of the above gives a passphrase */
  prompt?: PromptOptions;
  /** the environment to read `env` from; defaults to process.env */
  environment?: NodeJS.ProcessEnv;
}

export async function resolvePassphrase(sources: PassphraseSources): Promise<string> {
  if (sources.file !== undefined) {
    let text: string;
    try {
      text = readFileSync(sources.file, "utf8");
    } catch (err) {
      throw new PassphraseError(
        `cannot read passphrase file ${sources.file}: ${(err as NodeJS.ErrnoException).code ?? "error"}`,
      );
    }
    const passphrase = text.replace(/\r?\n$/, "");
    if (passphrase.length === 0) throw new PassphraseError(`passphrase file ${sources.file} is empty`);
    return passphrase;
  }
  if (sources.env !== undefined) {
    const value = (sources.environment ?? process.env)[sources.env];
    if (value !== undefined && value.length > 0) return value;
  }
  if (sources.prompt !== undefined) {
    const first = await promptHidden("Keystore passphrase: ", sources.prompt);
    if (first.length === 0) throw new PassphraseError("the passphrase must not be empty");
    if (sources.prompt.confirm === true) {
      const second = await promptHidden("Repeat passphrase: ", sources.prompt);
      if (second !== first) throw new PassphraseError("the two passphrases differ");
    }
    return first;
  }
  const where = [
    sources.env === undefined ? null : `environment variable ${sources.env}`,
    "--passphrase-file",
    "an interactive terminal",
  ].filter((s) => s !== null);
  throw new PassphraseError(`no keystore passphrase given; provide it through ${where.join(", ")}`);
}

/** Reads one line without echoing it. On a TTY the terminal is put in raw mode for the duration. */
export function promptHidden(question: string, { input, output }: PromptOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const raw = input.isTTY === true && typeof input.setRawMode === "function";
    output.write(question);
    if (raw) input.setRawMode?.(true);
    let answer = "";
    const finish = (err: Error | null) => {
      input.off("data", onData);
      input.off("end", onEnd);
      if (raw) input.setRawMode?.(false);
      input.pause();
      output.write("\n");
      if (err === null) resolve(answer);
      else reject(err);
    };
    const onEnd = () => finish(answer.length > 0 ? null : new PassphraseError("no passphrase entered"));
    const onData = (chunk: Buffer | string) => {
      const text = chunk.toString();
      for (let i = 0; i < text.length; i++) {
        const ch = text[i] as string;
        if (ch === "\r" || ch === "\n") {
          // Piped input may carry the next answer in the same chunk; hand it back for the next prompt.
          const rest = text.slice(ch === "\r" && text[i + 1] === "\n" ? i + 2 : i + 1);
          finish(null);
          if (rest.length > 0) input.unshift(Buffer.from(rest));
          return;
        }
        if (ch === "\u0003") return finish(new PassphraseError("passphrase entry interrupted"));
        if (ch === "\u0004") return onEnd();
        if (ch === "\u007f" || ch === "\b") answer = answer.slice(0, -1);
        else answer += ch;
      }
    };
    input.on("data", onData);
    input.on("end", onEnd);
    input.resume();
  });
}
