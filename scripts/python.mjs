#!/usr/bin/env node
// `npm run test:python`: the Python client's pytest suite (packages/python/tests) with a Python that has
// what it needs. Tries DEPTHROOM_PYTHON, then /usr/bin/python3 (Debian's, where .ci/run installs the
// modules), then python3 on PATH; fails naming the missing modules when none has them all. Extra
// arguments go to pytest (`npm run test:python -- -k golden`).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const MODULES = ["numpy", "socketio", "websocket", "pytest", "cv2"];
const DEBIAN = "python3-numpy python3-socketio python3-websocket python3-pytest python3-opencv";
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
    `test:python: no Python 3.10+ with ${MODULES.join(", ")}:\n  ${tried.join("\n  ")}\n` +
      `Install them (Debian: apt-get install ${DEBIAN}) or set DEPTHROOM_PYTHON.\n`,
  );
  process.exit(1);
}

const run = spawnSync(
  python,
  ["-m", "pytest", "packages/python/tests", "-p", "no:cacheprovider", ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
  },
);
if (run.status === 5) {
  process.stderr.write(
    "test:python: pytest collected no tests (exit 5): that is a failure here, not a pass\n",
  );
  process.exit(1);
}
process.exit(run.status ?? 1);
