import { readFileSync } from "node:fs";
import { type Command, parseCommandArgs } from "./args.ts";
import { adminCommand } from "./commands/admin.ts";
import { bridgeCommand } from "./commands/bridge.ts";
import { demoCommand } from "./commands/demo.ts";
import { exportCommand } from "./commands/exportRecording.ts";
import { importCommand } from "./commands/importRecording.ts";
import { sessionCommand } from "./commands/session.ts";
import { streamCommand } from "./commands/stream.ts";
import type { CliContext } from "./context.ts";
import { describeFailure, ExitCode } from "./exitCodes.ts";
import { MAIN_HELP } from "./help.ts";

const COMMANDS: Record<string, Command> = {
  session: sessionCommand,
  stream: streamCommand,
  demo: demoCommand,
  bridge: bridgeCommand,
  import: importCommand,
  export: exportCommand,
  admin: adminCommand,
};

/** Run one CLI invocation; returns the exit code. Errors become one clear message on stderr. */
export async function main(argv: readonly string[], ctx: CliContext): Promise<number> {
  const [first, ...rest] = argv;
  try {
    if (first === undefined || first === "-h" || first === "--help") {
      (first === undefined ? ctx.stderr : ctx.stdout).write(MAIN_HELP);
      return first === undefined ? ExitCode.Usage : ExitCode.Ok;
    }
    if (first === "--version" || first === "-V") {
      ctx.stdout.write(`${version()}\n`);
      return ExitCode.Ok;
    }
    if (first === "help") {
      const topic = rest[0];
      const command = topic === undefined ? undefined : COMMANDS[topic];
      if (topic !== undefined && !command) {
        ctx.stderr.write(
          `depthroom: no help for "${topic}": commands are ${Object.keys(COMMANDS).join(", ")}\n`,
        );
        return ExitCode.Usage;
      }
      ctx.stdout.write(command?.help ?? MAIN_HELP);
      return ExitCode.Ok;
    }
    const command = COMMANDS[first];
    if (!command) {
      ctx.stderr.write(
        `depthroom: unknown command "${first}": commands are ${Object.keys(COMMANDS).join(", ")} (see: depthroom --help)\n`,
      );
      return ExitCode.Usage;
    }
    const parsed = parseCommandArgs(rest, command.options, first, command.help, ctx);
    return parsed ? await command.run(parsed, ctx) : ExitCode.Ok;
  } catch (error) {
    const { code, message } = describeFailure(error);
    const label = first && COMMANDS[first] ? `depthroom ${first}` : "depthroom";
    ctx.stderr.write(`${label}: ${message}\n`);
    if (ctx.env.DEPTHROOM_DEBUG && error instanceof Error && error.stack)
      ctx.stderr.write(`${error.stack}\n`);
    return code;
  }
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return `depthroom ${pkg.version}`;
}

/** The process entry (bin/depthroom.mjs): wires stdio, env and Ctrl-C, then exits with main's code. */
export async function run(argv: readonly string[]): Promise<never> {
  const controller = new AbortController();
  const stop = () => {
    if (controller.signal.aborted) process.exit(ExitCode.Interrupted); // second Ctrl-C: now
    controller.abort();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  const code = await main(argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    signal: controller.signal,
  });
  // Let stdout/stderr drain (they are async when piped) before exiting.
  await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
  await new Promise<void>((resolve) => process.stderr.write("", () => resolve()));
  process.exit(code);
}
