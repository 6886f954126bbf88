// One JSON line per event (pino). Secrets are redacted by path so that a config or error object logged
// whole cannot leak a password, mnemonic or key.
import pino, { type Logger } from "pino";

export type { Logger } from "pino";

export function createLogger(level = "info", name = "op-btc-finality"): Logger {
  return pino({
    name,
    level,
    base: { name },
    redact: {
      paths: [
        "*.password",
        "*.passphrase",
        "*.mnemonic",
        "*.secretKey",
        "*.privateKey",
        "mnemonic",
        "passphrase",
        "secretKey",
      ],
      censor: "[redacted]",
    },
  });
}

/** A logger that writes nothing: for tests and library use without a host logger. */
export const silentLogger: Logger = pino({ level: "silent" });
