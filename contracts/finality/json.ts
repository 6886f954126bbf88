// Contract JSON carries u64 values as bare JSON numbers. JSON.parse would silently round anything above
// 2^53, so messages coming from the wire go through this parser, which keeps such integers as bigint.

export type JsonValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(`invalid JSON at position ${position}: ${message}`);
    this.name = "JsonSyntaxError";
  }
}

/** Parses JSON text; integers outside the safe range become bigint, everything else is as JSON.parse. */
export function parseJson(text: string): JsonValue {
  const parser = new Parser(text);
  parser.skipWhitespace();
  const value = parser.value();
  parser.skipWhitespace();
  if (parser.pos !== text.length) throw new JsonSyntaxError("unexpected trailing characters", parser.pos);
  return value;
}

class Parser {
  pos = 0;
  constructor(private readonly text: string) {}

  skipWhitespace(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.pos++;
      else break;
    }
  }

  value(): JsonValue {
    const c = this.text[this.pos];
    switch (c) {
      case "{":
        return this.object();
      case "[":
        return this.array();
      case '"':
        return this.string();
      case "t":
        return this.literal("true", true);
      case "f":
        return this.literal("false", false);
      case "n":
        return this.literal("null", null);
      default:
        if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return this.number();
        throw new JsonSyntaxError(
          c === undefined ? "unexpected end of input" : `unexpected '${c}'`,
          this.pos,
        );
    }
  }

  private literal<T extends JsonValue>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) throw new JsonSyntaxError(`expected ${word}`, this.pos);
    this.pos += word.length;
    return value;
  }

  private object(): { [key: string]: JsonValue } {
    // A null-prototype object so that keys such as "__proto__" are plain data.
    const out: { [key: string]: JsonValue } = Object.create(null);
    this.pos++;
    this.skipWhitespace();
    if (this.text[this.pos] === "}") {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') throw new JsonSyntaxError("expected a string key", this.pos);
      const key = this.string();
      this.skipWhitespace();
      if (this.text[this.pos] !== ":") throw new JsonSyntaxError("expected ':'", this.pos);
      this.pos++;
      this.skipWhitespace();
      out[key] = this.value();
      this.skipWhitespace();
      const c = this.text[this.pos];
      this.pos++;
      if (c === "}") return out;
      if (c !== ",") throw new JsonSyntaxError("expected ',' or '}'", this.pos - 1);
    }
  }

  private array(): JsonValue[] {
    const out: JsonValue[] = [];
    this.pos++;
    this.skipWhitespace();
    if (this.text[this.pos] === "]") {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWhitespace();
      out.push(this.value());
      this.skipWhitespace();
      const c = this.text[this.pos];
      this.pos++;
      if (c === "]") return out;
      if (c !== ",") throw new JsonSyntaxError("expected ',' or ']'", this.pos - 1);
    }
  }

  private string(): string {
    const start = this.pos;
    const end = this.findStringEnd();
    const raw = this.text.slice(start, end + 1);
    this.pos = end + 1;
    try {
      return JSON.parse(raw) as string;
    } catch {
      throw new JsonSyntaxError("invalid string", start);
    }
  }

  private findStringEnd(): number {
    const t = this.text;
    let i = this.pos + 1;
    while (i < t.length) {
      const c = t[i];
      if (c === "\\") i += 2;
      else if (c === '"') return i;
      else i++;
    }
    throw new JsonSyntaxError("unterminated string", this.pos);
  }

  private number(): number | bigint {
    const match = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(
      this.text.slice(this.pos, this.pos + 400),
    );
    if (!match) throw new JsonSyntaxError("invalid number", this.pos);
    const token = match[0];
    this.pos += token.length;
    if (match[2] === undefined && match[3] === undefined) {
      const asNumber = Number(token);
      return Number.isSafeInteger(asNumber) ? asNumber : BigInt(token);
    }
    return Number(token);
  }
}

/** Compact JSON like serde_json: no whitespace, bigint written as a bare integer, undefined members omitted. */
export function stringifyJson(value: unknown): string {
  switch (typeof value) {
    case "bigint":
      return value.toString();
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`cannot encode ${value} as JSON`);
      return JSON.stringify(value);
    case "string":
    case "boolean":
      return JSON.stringify(value);
    case "object": {
      if (value === null) return "null";
      if (Array.isArray(value))
        return `[${value.map((v) => (v === undefined ? "null" : stringifyJson(v))).join(",")}]`;
      if (value instanceof Uint8Array)
        throw new TypeError("cannot encode raw bytes as JSON; convert them first");
      const parts: string[] = [];
      for (const [k, v] of Object.entries(value)) {
        if (v === undefined) continue;
        parts.push(`${JSON.stringify(k)}:${stringifyJson(v)}`);
      }
      return `{${parts.join(",")}}`;
    }
    default:
      throw new TypeError(`cannot encode a ${typeof value} as JSON`);
  }
}
