export { type Faults, type RpcServer, type RpcServerOptions, startRpcServer } from "./server.ts";
