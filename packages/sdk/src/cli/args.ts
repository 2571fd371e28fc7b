import { InputError } from "../node/inputError.ts";
import type { CliContext } from "./context.ts";

/** One option of a command: `--name value` / `--name=value`, or a `--flag`. */
export interface OptionSpec {
  readonly type: "string" | "number" | "boolean";
  /** For numbers: the smallest value allowed (inclusive) and whether it must be > min. */
  readonly min?: number;
  readonly exclusiveMin?: boolean;
  readonly integer?: boolean;
  /** A one-letter alias (`-q`). */
  readonly short?: string;
  /** For strings: may be given several times, the values collected in order (a `string[]`). */
  readonly multiple?: boolean;
}

export type OptionValues = Record<string, string | string[] | number | boolean | undefined>;

export interface ParsedArgs {
  readonly options: OptionValues;
  readonly positionals: readonly string[];
}

/**
 * Parse a command's arguments against its option specs. Throws `InputError` (usage) with a sentence a
 * person can act on: unknown option, missing value, a number out of range. `--` ends the options.
 */
export function parseArgs(
  argv: readonly string[],
  specs: Record<string, OptionSpec>,
  command: string,
): ParsedArgs {
  const options: OptionValues = {};
  const positionals: string[] = [];
  const byShort = new Map(
    Object.entries(specs).flatMap(([name, s]) => (s.short ? [[s.short, name] as const] : [])),
  );
  const usage = (message: string) => new InputError("usage", `${message} (see: depthroom ${command} --help)`);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    let name: string;
    let inline: string | undefined;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    } else if (/^-[A-Za-z]$/.test(arg)) {
      const long = byShort.get(arg.slice(1));
      if (!long) throw usage(`unknown option ${arg}`);
      name = long;
    } else {
      positionals.push(arg);
      continue;
    }
    const spec = specs[name];
    if (!spec) throw usage(`unknown option --${name}`);
    if (spec.type === "boolean") {
      if (inline !== undefined) throw usage(`--${name} takes no value`);
      options[name] = true;
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith("--") && next.length > 2))
        throw usage(`--${name} needs a value`);
      value = next;
      i++;
    }
    if (spec.type === "string") {
      if (value === "") throw usage(`--${name} needs a value`);
      const earlier = options[name];
      options[name] = spec.multiple ? [...(Array.isArray(earlier) ? earlier : []), value] : value;
      continue;
    }
    const n = Number(value);
    const min = spec.min ?? Number.NEGATIVE_INFINITY;
    const tooSmall = spec.exclusiveMin ? n <= min : n < min;
    if (value.trim() === "" || !Number.isFinite(n) || tooSmall || (spec.integer && !Number.isInteger(n))) {
      const wanted = `${spec.integer ? "an integer" : "a number"}${Number.isFinite(min) ? ` ${spec.exclusiveMin ? ">" : ">="} ${min}` : ""}`;
      throw usage(`--${name}: expected ${wanted}, got "${value}"`);
    }
    options[name] = n;
  }
  return { options, positionals };
}

/**
 * The one positional argument of a command that takes one (`<folder>`, `<file.mcap>`, a source URL).
 * Throws `InputError` (usage) naming what is `missing`, or saying it takes one `thing` at a time.
 */
export function onePositional(parsed: ParsedArgs, command: string, missing: string, thing: string): string {
  const { positionals } = parsed;
  const see = `(see: depthroom ${command} --help)`;
  if (positionals.length === 0) throw new InputError("usage", `missing ${missing} ${see}`);
  if (positionals.length > 1) {
    throw new InputError("usage", `one ${thing} at a time, got ${positionals.length} ${see}`);
  }
  return positionals[0] as string;
}

/** The options of the commands that stream into a session as its producer (stream, demo, bridge). */
export const PRODUCER_OPTIONS = {
  link: { type: "string" },
  raw: { type: "boolean" },
  "connect-timeout": { type: "number", min: 0, exclusiveMin: true },
  quiet: { type: "boolean", short: "q" },
} as const satisfies Record<string, OptionSpec>;

/** A `depthroom` command: its help, its options, and what it does with them once parsed. */
export interface Command {
  readonly help: string;
  readonly options: Record<string, OptionSpec>;
  run(parsed: ParsedArgs, ctx: CliContext): Promise<number>;
}

/**
 * `parseArgs` for a command, with the `-h` / `--help` every command takes: given it, the command's
 * `help` is written to stdout and the answer is undefined (the command then exits Ok).
 */
export function parseCommandArgs(
  argv: readonly string[],
  specs: Record<string, OptionSpec>,
  command: string,
  help: string,
  ctx: CliContext,
): ParsedArgs | undefined {
  const parsed = parseArgs(argv, { ...specs, help: { type: "boolean", short: "h" } }, command);
  if (!parsed.options.help) return parsed;
  ctx.stdout.write(help);
  return undefined;
}
