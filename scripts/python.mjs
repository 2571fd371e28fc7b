#!/usr/bin/env node
// The Python client with a Python that has what it needs: DEPTHROOM_PYTHON, then /usr/bin/python3
// (Debian's, where .ci/run installs the modules), then python3 on PATH; fails naming the missing modules
// when none has them all.
//   node scripts/python.mjs test [pytest args]   npm run test:python: packages/python/tests (pytest)
//   node scripts/python.mjs bench [args]         npm run bench:python: python3 -m depthroom.bench
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const [mode, ...rest] = process.argv.slice(2);
if (mode !== "test" && mode !== "bench") {
  process.stderr.write("usage: node scripts/python.mjs test|bench [args]\n");
  process.exit(2);
}
// The bench reads the real sample with OpenCV and times up-zstd decoding when it can (it says what it
// skipped), and needs no pytest.
const MODULES =
  mode === "test"
    ? ["numpy", "socketio", "websocket", "pytest", "cv2", "zstandard"]
    : ["numpy", "socketio", "websocket"];
const DEBIAN =
  "python3-numpy python3-socketio python3-websocket python3-pytest python3-opencv python3-zstandard";
const root = fileURLToPath(new URL("..", import.meta.url));
const candidates = [process.env.DEPTHROOM_PYTHON, "/usr/bin/python3", "python3"].filter(Boolean);
const probe = `import importlib.util, sys
missing = [m for m in ${JSON.stringify(MODULES)} if importlib.util.find_spec(m) is None]
if sys.version_info < (3, 10): missing.insert(0, "python>=3.10")
print(" ".join(missing))`;

const tried = [];
let python;
for (const candidate of candidates) {
  const result = spawnSync(candidate, ["-c", probe], { encoding: "utf8" });
  if (result.error || result.status !== 0) {
    tried.push(`${candidate}: not runnable`);
    continue;
  }
  const missing = result.stdout.trim();
  if (!missing) {
    python = candidate;
    break;
  }
  tried.push(`${candidate}: missing ${missing}`);
}
if (!python) {
  process.stderr.write(
    `${mode}:python: no Python 3.10+ with ${MODULES.join(", ")}:\n  ${tried.join("\n  ")}\n` +
      `Install them (Debian: apt-get install ${DEBIAN}) or set DEPTHROOM_PYTHON.\n`,
  );
  process.exit(1);
}

const args =
  mode === "test"
    ? ["-m", "pytest", "packages/python/tests", "-p", "no:cacheprovider", ...rest]
    : ["-m", "depthroom.bench", ...rest];
const run = spawnSync(python, args, {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", PYTHONPATH: "packages/python/src" },
});
if (mode === "test" && run.status === 5) {
  process.stderr.write(
    "test:python: pytest collected no tests (exit 5): that is a failure here, not a pass\n",
  );
  process.exit(1);
}
process.exit(run.status ?? 1);
