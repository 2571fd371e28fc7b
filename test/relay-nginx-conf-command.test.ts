import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { chmod, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { makeTempDir } from "./support/relay.ts";

// The deployment guide's nginx command, run as a user would: the shell block of the root README that
// renders the config (with its directory swapped for a temporary one), then `nginx -t` on the file it
// wrote. Before the fix the README said `npm run nginx-conf ...`, whose banner ("> @depthroom/relay...")
// landed in nginx.conf and nginx refused it. The relay README and the template comment say the same.

const repo = fileURLToPath(new URL("..", import.meta.url));
const DOC_DIR = "/var/lib/depthroom-nginx";

/** The README's shell lines that render the config (a command and its `\` continuations). */
function documentedCommand(): string {
  const readme = readFileSync(join(repo, "README.md"), "utf8");
  const lines = readme.split("\n");
  const start = lines.findIndex((line) => /^npm run .*nginx-conf/.test(line));
  if (start < 0) throw new Error("README.md has no `npm run ... nginx-conf` line");
  const command: string[] = [];
  for (let i = start; i < lines.length; i++) {
    const line = lines[i] as string;
    command.push(line.replace(/\\$/, ""));
    if (!line.endsWith("\\")) break;
  }
  return command.join(" ");
}

function nginxBinary(): string {
  for (const candidate of ["nginx", "/usr/sbin/nginx"]) {
    if (spawnSync(candidate, ["-v"], { stdio: "ignore" }).status === 0) return candidate;
  }
  throw new Error("nginx is not installed: `apt-get install -y nginx-light` (CI does it in .ci/run)");
}

describe("deployment guide: the nginx-conf command", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("writes a config nginx accepts, exactly as the README runs it", async () => {
    const dir = await makeTempDir("depthroom-nginx-doc-");
    dirs.push(dir);
    await chmod(dir, 0o755);
    const command = documentedCommand();
    expect(command).toContain(`> ${DOC_DIR}/nginx.conf`);
    execFileSync("sh", ["-c", command.replaceAll(DOC_DIR, dir)], { cwd: repo, stdio: "pipe" });
    const conf = await readFile(join(dir, "nginx.conf"), "utf8");
    expect(conf.startsWith("# nginx in front of several Depthroom relay nodes.")).toBe(true);
    const check = spawnSync(
      nginxBinary(),
      ["-t", "-p", dir, "-c", join(dir, "nginx.conf"), "-e", join(dir, "error.log")],
      { encoding: "utf8" },
    );
    expect(check.status, check.stderr).toBe(0);
  });

  it("the relay README and the template comment give the same silent form", () => {
    const relayReadme = readFileSync(join(repo, "apps/relay/README.md"), "utf8");
    const template = readFileSync(join(repo, "apps/relay/deploy/nginx.conf"), "utf8");
    for (const text of [relayReadme, template]) {
      const uses = text.match(/npm run(?: -s)?\s+nginx-conf/g) ?? [];
      expect(uses.length).toBeGreaterThan(0);
      for (const use of uses) expect(use).toMatch(/^npm run -s/);
    }
  });
});
