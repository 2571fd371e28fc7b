import { describe, expect, it } from "vitest";
import { InputError } from "../node/inputError.ts";
import { onePositional, PRODUCER_OPTIONS, parseArgs, parseCommandArgs } from "./args.ts";
import type { CliContext } from "./context.ts";
import { formatProgress, ProgressLine } from "./progress.ts";

const specs = {
  link: { type: "string" },
  fps: { type: "number", min: 0, exclusiveMin: true },
  width: { type: "number", min: 8, integer: true },
  loop: { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
} as const;

describe("parseArgs", () => {
  it("reads --name value, --name=value, flags, short flags and positionals", () => {
    expect(
      parseArgs(["dir", "--link", "L", "--fps=12.5", "--loop", "-q", "--", "--odd"], specs, "stream"),
    ).toEqual({
      options: { link: "L", fps: 12.5, loop: true, quiet: true },
      positionals: ["dir", "--odd"],
    });
  });

  it("says what is wrong and where to look", () => {
    const usage = (argv: string[]) => {
      try {
        parseArgs(argv, specs, "stream");
      } catch (error) {
        expect(error).toBeInstanceOf(InputError);
        expect((error as InputError).kind).toBe("usage");
        return (error as Error).message;
      }
      return "no error";
    };
    expect(usage(["--frobnicate"])).toBe("unknown option --frobnicate (see: depthroom stream --help)");
    expect(usage(["-x"])).toBe("unknown option -x (see: depthroom stream --help)");
    expect(usage(["--link"])).toBe("--link needs a value (see: depthroom stream --help)");
    expect(usage(["--link", "--fps", "3"])).toBe("--link needs a value (see: depthroom stream --help)");
    expect(usage(["--fps", "0"])).toBe(
      '--fps: expected a number > 0, got "0" (see: depthroom stream --help)',
    );
    expect(usage(["--fps", "fast"])).toBe(
      '--fps: expected a number > 0, got "fast" (see: depthroom stream --help)',
    );
    expect(usage(["--width", "9.5"])).toBe(
      '--width: expected an integer >= 8, got "9.5" (see: depthroom stream --help)',
    );
    expect(usage(["--loop=yes"])).toBe("--loop takes no value (see: depthroom stream --help)");
  });

  it("collects an option given several times when it takes multiple values, and keeps the last otherwise", () => {
    const argv = ["--topics", "/a", "--link", "L1", "--topics=/b,/c", "--link", "L2"];
    const multiple = { topics: { type: "string", multiple: true }, link: { type: "string" } } as const;
    expect(parseArgs(argv, multiple, "bridge").options).toEqual({ topics: ["/a", "/b,/c"], link: "L2" });
    expect(() => parseArgs(["--topics"], multiple, "bridge")).toThrow(
      "--topics needs a value (see: depthroom bridge --help)",
    );
  });
});

describe("onePositional", () => {
  it("is the one positional, or says what is missing or that it takes one at a time", () => {
    const one = (positionals: string[]) =>
      onePositional({ options: {}, positionals }, "import", "<file.mcap>", "file");
    expect(one(["a.mcap"])).toBe("a.mcap");
    expect(() => one([])).toThrow("missing <file.mcap> (see: depthroom import --help)");
    expect(() => one(["a.mcap", "b.mcap"])).toThrow(
      "one file at a time, got 2 (see: depthroom import --help)",
    );
  });
});

describe("parseCommandArgs", () => {
  const context = () => {
    const written: string[] = [];
    const stream = { write: (text: string) => written.push(text) };
    const ctx: CliContext = { stdout: stream, stderr: stream, env: {}, signal: new AbortController().signal };
    return { ctx, written };
  };

  it("answers -h / --help with the command's help and nothing parsed", () => {
    for (const flag of ["-h", "--help"]) {
      const { ctx, written } = context();
      expect(parseCommandArgs(["dir", flag], PRODUCER_OPTIONS, "stream", "HELP TEXT", ctx)).toBeUndefined();
      expect(written).toEqual(["HELP TEXT"]);
    }
  });

  it("parses the producer options and writes nothing without --help", () => {
    const { ctx, written } = context();
    const argv = ["dir", "--link", "L", "--raw", "--connect-timeout", "2.5", "-q"];
    expect(parseCommandArgs(argv, PRODUCER_OPTIONS, "stream", "HELP TEXT", ctx)).toEqual({
      options: { link: "L", raw: true, "connect-timeout": 2.5, quiet: true },
      positionals: ["dir"],
    });
    expect(written).toEqual([]);
    expect(() => parseCommandArgs(["--connect-timeout", "0"], PRODUCER_OPTIONS, "demo", "", ctx)).toThrow(
      /--connect-timeout: expected a number > 0, got "0" \(see: depthroom demo --help\)/,
    );
  });
});

describe("progress line", () => {
  it("formats frames, fps, MB/s and drops", () => {
    expect(
      formatProgress({ frames: 90, bytes: 6e6, dropped: 2 }, { frames: 30, bytes: 2e6, dropped: 0 }, 2),
    ).toBe("frames 90  30.0 fps  2.00 MB/s  dropped 2");
  });

  it("rewrites one line on a terminal, prints lines to a log, and nothing when quiet", () => {
    let t = 0;
    const tty: string[] = [];
    const log: string[] = [];
    const quiet: string[] = [];
    const lines = [
      new ProgressLine({ write: (s: string) => tty.push(s), isTTY: true }, false, () => t),
      new ProgressLine({ write: (s: string) => log.push(s), isTTY: false }, false, () => t),
      new ProgressLine({ write: (s: string) => quiet.push(s), isTTY: true }, true, () => t),
    ];
    for (let i = 1; i <= 60; i++) {
      t = i * 100;
      for (const line of lines) line.update({ frames: i * 3, bytes: i * 1e5, dropped: 0 });
    }
    for (const line of lines) line.finish({ frames: 180, bytes: 6e6, dropped: 1 });
    expect(tty.length).toBeGreaterThan(20);
    expect(tty[0]?.startsWith("\r\x1b[K")).toBe(true);
    expect(log.filter((s) => s.startsWith("frames")).length).toBe(1);
    expect(log.at(-1)).toBe("sent 180 frames in 6.0 s (30.0 fps, 1.00 MB/s), 1 dropped\n");
    expect(quiet).toEqual([]);
  });
});
