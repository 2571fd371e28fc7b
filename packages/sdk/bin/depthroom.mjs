#!/usr/bin/env node
// The `depthroom` CLI. The package ships TypeScript source; tsx runs it in-process.
import { register } from "tsx/esm/api";

register();
const { run } = await import("../src/cli/main.ts");
await run(process.argv.slice(2));
