// A worker thread starts without the test runner's or tsx's module hooks: load the signer through tsx.
const { register } = await import("tsx/esm/api");
register();
await import("./vote-signer-worker.ts");
