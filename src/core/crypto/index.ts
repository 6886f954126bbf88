export * as bip340 from "./bip340.ts";
export * from "./bytes.ts";
export * from "./context.ts";
export * as eots from "./eots.ts";
export * from "./errors.ts";
export * as keys from "./keys.ts";
export * as merkle from "./merkle.ts";
export * from "./messages.ts";
export * as randomness from "./randomness.ts";
