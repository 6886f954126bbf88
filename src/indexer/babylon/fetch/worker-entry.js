// A worker thread starts without the main thread's module hooks: it loads the TypeScript sources through tsx
// as the CLI does (bin/op-btc-finality.js).
import { register } from "tsx/esm/api";

register();
await import("./worker.ts");
