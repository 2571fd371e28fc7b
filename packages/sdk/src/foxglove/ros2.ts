// CDR messages of ROS 2 channels, read with the channel's own schema (`ros2msg` text, as foxglove_bridge
// advertises it) by Foxglove's maintained parsers (@foxglove/rosmsg, @foxglove/rosmsg2-serialization).
// When a server sends no schema text, the definitions of @foxglove/rosmsg-msgs-common stand in.

import { parse as parseRosMsg } from "@foxglove/rosmsg";
import { ros2jazzy } from "@foxglove/rosmsg-msgs-common";
import { MessageReader } from "@foxglove/rosmsg2-serialization";
import { BridgeMessageError } from "./errors.ts";

type MessageDefinition = ReturnType<typeof parseRosMsg>[number];

/** Reads one CDR payload into a plain object; throws `BridgeMessageError` (malformed). */
export type CdrDecoder = (payload: Uint8Array) => unknown;

/** `sensor_msgs/msg/Image` -> `sensor_msgs/Image` (the key form of @foxglove/rosmsg-msgs-common). */
function commonKey(schemaName: string): string {
  return schemaName.replace("/msg/", "/");
}

/**
 * A decoder for a channel's CDR messages. Throws an `Error` saying why when the schema text does not
 * parse (the channel is then skipped as a whole, not message by message).
 */
export function cdrDecoder(
  schemaName: string,
  schema: string,
  schemaEncoding: string | undefined,
): CdrDecoder {
  let definitions: MessageDefinition[];
  if (schema.trim() === "") {
    const known = (ros2jazzy as Record<string, MessageDefinition>)[commonKey(schemaName)];
    if (!known) throw new Error(`no schema text for ${schemaName}`);
    definitions = withDependencies(known);
  } else if (schemaEncoding === undefined || schemaEncoding === "ros2msg") {
    definitions = parseRosMsg(schema, { ros2: true });
  } else {
    throw new Error(`schema encoding "${schemaEncoding}" (the bridge reads ros2msg)`);
  }
  const reader = new MessageReader(definitions);
  return (payload) => {
    // A big-endian encapsulation would make the CDR reader allocate arrays by their wire counts before
    // checking them; ROS 2 middleware on every common host writes little-endian (odd kind byte).
    if (payload.length < 4 || ((payload[1] as number) & 1) === 0) {
      throw new BridgeMessageError("malformed", `not a little-endian CDR payload (${payload.length} bytes)`);
    }
    try {
      return reader.readMessage(aligned(payload));
    } catch (error) {
      throw new BridgeMessageError("malformed", `CDR: ${(error as Error).message}`);
    }
  };
}

/**
 * The CDR reader views arrays in place when they are aligned in memory and otherwise copies them, sized
 * by the count on the wire before any bounds check. Placing the body (after the 4-byte encapsulation
 * header) at an 8-byte boundary keeps every array on the in-place path, where a count beyond the
 * payload is a RangeError, never an allocation.
 */
function aligned(payload: Uint8Array): Uint8Array {
  if ((payload.byteOffset + 4) % 8 === 0) return payload;
  const copy = new Uint8Array(new ArrayBuffer(payload.length + 4), 4, payload.length);
  copy.set(payload);
  return copy;
}

/** A common definition and the complex types it uses, for a MessageReader. */
function withDependencies(root: MessageDefinition): MessageDefinition[] {
  const all = ros2jazzy as Record<string, MessageDefinition>;
  const out = [root];
  const seen = new Set([root.name]);
  for (let i = 0; i < out.length; i++) {
    for (const field of (out[i] as MessageDefinition).definitions) {
      if (!field.isComplex || seen.has(field.type)) continue;
      const dependency = all[field.type];
      if (!dependency) continue;
      seen.add(field.type);
      out.push(dependency);
    }
  }
  return out;
}
