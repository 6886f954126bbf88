#!/usr/bin/env node
// Runs the TypeScript sources directly: no build step stands between a checkout and a working command.
import { register } from "tsx/esm/api";

register();
await import("../src/cli.ts");
