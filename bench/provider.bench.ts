// Provider throughput for `npm run bench`: votes signed per second and randomness values committed per
// second on this machine. The measurement lives next to the code it measures (provider/bench.ts).
export { run } from "../provider/bench.ts";
