// `node trace-load.mjs <entry> <out-file>`: imports the entry and writes every module it loaded, ESM (through
// resolve hooks) and CommonJS (the require cache), one path or URL a line.
import { appendFileSync } from "node:fs";
import { createRequire, register } from "node:module";

const [entry, file] = process.argv.slice(2);
register("./trace-hooks.mjs", import.meta.url, { data: { file } });
await import(entry);
appendFileSync(file, `${Object.keys(createRequire(import.meta.url).cache).join("\n")}\n`);
