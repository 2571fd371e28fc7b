#!/usr/bin/env node
// `npm run build -w @depthroom/relay`: the relay as plain JavaScript in dist/ (git-ignored), for `npm start`
// and deployments (`node apps/relay/dist/main.js`); tsx is for development only. The workspace packages
// (@depthroom/*, TypeScript sources) are bundled in; every npm dependency stays an import from
// node_modules (but @foxglove/*, below). The import worker gets its own bundle beside main.js (recordingImport.ts finds it there).
import { build } from "esbuild";

// @foxglove/* (used by @depthroom/recording) import subpaths without an `exports` map, which Node's ESM
// resolver refuses: bundled too (plain JavaScript, no native parts).
const BUNDLED = ["@depthroom/", "@foxglove/"];
const external = {
  name: "npm-dependencies-external",
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, (args) =>
      BUNDLED.some((prefix) => args.path.startsWith(prefix))
        ? undefined
        : { path: args.path, external: true },
    );
  },
};
const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: "linked",
  logLevel: "warning",
  plugins: [external],
  absWorkingDir: import.meta.dirname,
};

await Promise.all([
  build({ ...common, entryPoints: ["src/main.ts"], outfile: "dist/main.js" }),
  build({
    ...common,
    stdin: {
      contents: [
        'import { parentPort, workerData } from "node:worker_threads";',
        'import { runImportJob } from "./recordingImport.ts";',
        "parentPort?.postMessage(await runImportJob(workerData));",
      ].join("\n"),
      resolveDir: `${import.meta.dirname}/src`,
      sourcefile: "recordingImportWorker.mjs",
      loader: "ts",
    },
    outfile: "dist/recordingImportWorker.mjs",
  }),
]);
