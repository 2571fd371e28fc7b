import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/*
 * A fixed CPU budget per relay node, so that "one node" models one machine of fixed capacity on a
 * box whose cores the nodes would otherwise share: a cgroup v1 `cpu` group per node with a CFS quota
 * (`cpu.cfs_quota_us` / `cpu.cfs_period_us` = cores). The kernel throttles a node that used its quota
 * in a period until the next one, which is what a machine with that many cores does. `cpu.stat`
 * counts the throttled periods, which shows the node was held at its budget (saturated).
 * A quota is a ceiling, not a guarantee: on a busy shared box the node could get less. So the groups'
 * parent also gets a large `cpu.shares` (weight), so the nodes get their (small) budgets before the
 * box's other work does, as a machine of their own would give them: at most the sum of the budgets.
 * Needs a writable /sys/fs/cgroup/cpu (root, cgroup v1); `open` says why not otherwise.
 */

const ROOT = "/sys/fs/cgroup/cpu";
/**
 * The kernel's default period. Shorter ones (20 ms tried) overshoot small quotas: the CPU time is
 * handed out in 5 ms slices (`sched_cfs_bandwidth_slice_us`), and the nodes used 12-14 % of a core
 * on a 10 % quota.
 */
const PERIOD_US = 100_000;
/** Weight of the budget groups' parent against the box's other tasks (1024 each). */
const PARENT_SHARES = 8192;

export interface CpuStat {
  readonly periods: number;
  readonly throttled: number;
  readonly throttledSeconds: number;
}

export interface CpuBudget {
  /** Cores each group gets. */
  readonly cores: number;
  readonly describe: string;
  /** Put a process (all its threads; children it starts later inherit) into the group `name`. */
  place(name: string, pid: number): void;
  stat(name: string): CpuStat;
  /** Remove the groups (their processes must have exited). */
  close(): void;
}

export type BudgetResult = { ok: true; budget: CpuBudget } | { ok: false; reason: string };

export function openCpuBudget(names: readonly string[], cores: number): BudgetResult {
  if (!(cores > 0)) return { ok: false, reason: `bad budget ${cores} cores` };
  if (!existsSync(join(ROOT, "cpu.cfs_quota_us"))) {
    return { ok: false, reason: `no cgroup v1 cpu controller at ${ROOT} (cgroup v2-only or no cgroups)` };
  }
  const base = join(ROOT, `depthroom-bench-${randomBytes(3).toString("hex")}`);
  try {
    mkdirSync(base);
  } catch (error) {
    return { ok: false, reason: `cannot create ${base}: ${(error as Error).message} (needs root)` };
  }
  const groups = new Map<string, string>();
  try {
    writeFileSync(join(base, "cpu.shares"), String(PARENT_SHARES));
  } catch {
    // Without the weight the quota still caps each node; on a busy box it may get less.
  }
  const close = () => {
    for (const dir of groups.values()) {
      try {
        rmdirSync(dir);
      } catch {
        // Still has processes (they are being killed); the group is empty soon and harmless.
      }
    }
    try {
      rmdirSync(base);
    } catch {
      // As above.
    }
  };
  try {
    for (const name of names) {
      const dir = join(base, name);
      mkdirSync(dir);
      groups.set(name, dir);
      writeFileSync(join(dir, "cpu.cfs_period_us"), String(PERIOD_US));
      writeFileSync(join(dir, "cpu.cfs_quota_us"), String(Math.round(cores * PERIOD_US)));
    }
  } catch (error) {
    close();
    return { ok: false, reason: `cannot set a CPU quota under ${base}: ${(error as Error).message}` };
  }
  const group = (name: string) => {
    const dir = groups.get(name);
    if (!dir) throw new Error(`no CPU budget group ${name}`);
    return dir;
  };
  return {
    ok: true,
    budget: {
      cores,
      describe: `cgroup v1 CFS quota ${Math.round(cores * PERIOD_US)} us per ${PERIOD_US} us period per node, parent weight ${PARENT_SHARES}, ${base}`,
      place(name, pid) {
        writeFileSync(join(group(name), "cgroup.procs"), String(pid));
      },
      stat(name) {
        const fields = new Map(
          readFileSync(join(group(name), "cpu.stat"), "utf8")
            .trim()
            .split("\n")
            .map((line) => line.split(" ") as [string, string]),
        );
        return {
          periods: Number(fields.get("nr_periods") ?? 0),
          throttled: Number(fields.get("nr_throttled") ?? 0),
          throttledSeconds: Number(fields.get("throttled_time") ?? 0) / 1e9,
        };
      },
      close,
    },
  };
}
