import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  casesJson,
  codesJson,
  goldenBytes,
  goldenCases,
  goldenDir,
  PAYLOAD_ENCODINGS,
  protocolJson,
  SAMPLE_PAYLOADS,
  samplePayload,
  samplesJson,
} from "./generate.ts";

// The committed golden files are what the TypeScript encoder writes today: regenerate in memory and
// compare, so the Python tests (test_golden.py) cannot pass against stale bytes.
// On a deliberate wire change: node --import tsx packages/python/tests/golden/generate.ts
describe("Python golden files", () => {
  it("cases.json, samples.json, codes.json and protocol.json are current", () => {
    expect(JSON.parse(readFileSync(new URL("codes.json", goldenDir), "utf8"))).toEqual(codesJson());
    expect(JSON.parse(readFileSync(new URL("protocol.json", goldenDir), "utf8"))).toEqual(protocolJson());
    expect(JSON.parse(readFileSync(new URL("cases.json", goldenDir), "utf8"))).toEqual(casesJson());
    expect(JSON.parse(readFileSync(new URL("samples.json", goldenDir), "utf8"))).toEqual(samplesJson());
  });

  it.each(goldenCases().map((c) => [c.name, c] as const))("%s.bin is encodeMessage's output", (name, c) => {
    const committed = readFileSync(new URL(`${name}.bin`, goldenDir));
    expect(Buffer.from(goldenBytes(c)).toString("hex")).toBe(committed.toString("hex"));
  });

  it.each(
    PAYLOAD_ENCODINGS.flatMap((encoding) =>
      Object.entries(SAMPLE_PAYLOADS).map(([name, sample]) => [encoding, name, sample] as const),
    ),
  )("%s-%s.bin is the encoder's payload of %s", (encoding, name, sample) => {
    const committed = readFileSync(new URL(`${encoding}-${name}.bin`, goldenDir));
    expect(Buffer.from(samplePayload(encoding, sample)).equals(committed)).toBe(true);
  });
});
