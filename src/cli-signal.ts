// Stop signals, one way for every command that runs until told to stop (the gadget, the devnet, the
// provider daemon): the first SIGINT or SIGTERM asks for a clean stop, a second one ends the process at once.

/** Calls `stop` on the first SIGINT or SIGTERM; returns a function that stops listening. */
export function onStopSignal(stop: () => void): () => void {
  const onSignal = () => {
    off();
    process.once("SIGINT", () => process.exit(130));
    process.once("SIGTERM", () => process.exit(143));
    stop();
  };
  const off = () => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  return off;
}

/** Resolves on the first SIGINT or SIGTERM; a second one ends the process at once. */
export function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    onStopSignal(resolve);
  });
}
