// A worker thread starts without the main thread's module hooks. Built (dist/), the compiled worker sits beside
// this file; from the sources (the development loop), it loads worker.ts through tsx.
import { existsSync } from "node:fs";

const compiled = new URL("./worker.js", import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("./worker.ts");
}
