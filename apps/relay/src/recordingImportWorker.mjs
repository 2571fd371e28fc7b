// One import in a worker thread (recordingImport.ts `ImportQueue`): run it, post the outcome, exit.
// Plain JavaScript so that it starts in any worker; the TypeScript job is loaded through tsx's API
// (a worker does not inherit the loader the relay runs under).
import { parentPort, workerData } from "node:worker_threads";
import { tsImport } from "tsx/esm/api";

const { runImportJob } = await tsImport("./recordingImport.ts", import.meta.url);
parentPort?.postMessage(await runImportJob(workerData));
