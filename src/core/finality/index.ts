export * from "./btc-time.ts";
export * from "./consecutive.ts";
export * from "./grid.ts";
export * from "./power.ts";
export * from "./quorum.ts";
export * from "./range.ts";
export * from "./staking.ts";
