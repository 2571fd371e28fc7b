#!/usr/bin/env node
// `npm start`: the relay, the web app and a demo rig streaming the shipped real depth samples, on an
// embedded default (data in ./.depthroom-data, nothing else to install). Ctrl-C stops everything.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const relayPort = Number(process.env.DEPTHROOM_RELAY_PORT ?? 8787);
const webPort = Number(process.env.DEPTHROOM_WEB_PORT ?? 3000);
const host = process.env.DEPTHROOM_HOST ?? "localhost";
const relayUrl = `http://${host}:${relayPort}`;
const webUrl = `http://${host}:${webPort}`;
const dataDir = process.env.DEPTHROOM_DATA ?? `${root}.depthroom-data`;
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: "1", NEXT_TELEMETRY_DISABLED: "1" };
const children = [];

function run(name, command, args, options = {}) {
  const child = spawn(command, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"], ...options });
  children.push(child);
  const prefix = `[${name}] `;
  const forward = (stream, out) => {
    let buffered = "";
    stream.on("data", (chunk) => {
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) out.write(`${prefix + line}\n`);
    });
  };
  forward(child.stdout, process.stdout);
  forward(child.stderr, process.stderr);
  child.on("exit", (code, signal) => {
    if (!stopping) {
      console.error(`${prefix}exited (${signal ?? code}); stopping everything`);
      stop(1);
    }
  });
  return child;
}

function waitForLine(child, pattern, what) {
  return new Promise((resolve, reject) => {
    const onData = (chunk) => {
      if (pattern.test(String(chunk))) {
        child.stdout.off("data", onData);
        resolve();
      }
    };
    child.stdout.on("data", onData);
    child.once("exit", () => reject(new Error(`${what} exited before it was ready`)));
  });
}

let stopping = false;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill("SIGTERM");
  setTimeout(() => process.exit(code), 3000).unref();
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

async function main() {
  console.log(
    "Depthroom: starting the relay, building the web app (first run takes a minute) and a demo rig",
  );
  // The relay runs built (plain JavaScript in apps/relay/dist, a second or two to bundle), not under tsx.
  const relayBuilt = await new Promise((resolve) =>
    spawn(process.execPath, ["apps/relay/build.mjs"], { cwd: root, env, stdio: "inherit" }).on(
      "exit",
      (code) => resolve(code === 0),
    ),
  );
  if (!relayBuilt) throw new Error("the relay did not build (see above)");
  const relay = run("relay", process.execPath, [
    "apps/relay/dist/main.js",
    "--port",
    String(relayPort),
    "--data",
    dataDir,
    "--web-url",
    webUrl,
  ]);
  const build = spawn(
    "npx",
    ["turbo", "run", "build", "--filter=@depthroom/web", "--output-logs=errors-only"],
    {
      cwd: root,
      env: { ...env, NEXT_PUBLIC_DEPTHROOM_RELAY: relayUrl },
      stdio: "inherit",
    },
  );
  const [built] = await Promise.all([
    new Promise((resolve) => build.on("exit", (code) => resolve(code === 0))),
    waitForLine(relay, /"listening"/, "the relay"),
  ]);
  if (!built) throw new Error("the web app did not build (see above)");
  const web = run("web", "npx", ["next", "start", "-p", String(webPort)], {
    cwd: `${root}apps/web`,
    env: { ...env, NEXT_PUBLIC_DEPTHROOM_RELAY: relayUrl },
  });
  await waitForLine(web, /Ready|started server|Local:/i, "the web app");

  const response = await fetch(`${relayUrl}/api/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ title: "Demo: real depth samples" }),
  });
  if (!response.ok)
    throw new Error(`could not create the demo session: ${response.status} ${await response.text()}`);
  const session = await response.json();
  // Two rigs of real depth: the TUM RGB-D frame (Kinect v1, 640x480) and the Azure Kinect frames
  // (320x288; their calibration is not published, so nominal NFOV-binned intrinsics are used).
  const rig = (name, folder, args) =>
    run(name, process.execPath, [
      "packages/sdk/bin/depthroom.mjs",
      "stream",
      `${root}data/samples/${folder}`,
      "--link",
      session.links.publish,
      "--loop",
      "--quiet",
      ...args,
    ]);
  rig("rig tum", "tum-fr2", ["--fps", "10", "--entity", "world/tum"]);
  rig("rig azure", "azure-kinect", [
    ...["--fps", "2", "--entity", "world/azure", "--depth-scale", "1000"],
    ...["--fx", "252", "--fy", "252", "--cx", "160", "--cy", "144"],
  ]);
  console.log("");
  console.log(`  Depthroom is running. Open the demo session (edit link):`);
  console.log(`    ${session.links.edit}`);
  console.log(`  Or start your own at ${webUrl}   (relay: ${relayUrl}, data: ${dataDir})`);
  console.log("  Ctrl-C stops everything.");
  console.log("");
}

main().catch((error) => {
  console.error(`npm start failed: ${error.message}`);
  stop(1);
});
