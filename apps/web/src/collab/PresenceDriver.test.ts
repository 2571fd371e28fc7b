import type { PresenterState } from "@depthroom/schema";
import { describe, expect, it } from "vitest";
import type { CameraPose } from "../render/cameraPose.ts";
import {
  PRESENTER_WRITE_MS,
  type PresenceCamera,
  type PresenceClient,
  PresenceDriver,
} from "./PresenceDriver.ts";
import type { Peer } from "./presence.ts";
import { toCollabPose } from "./presence.ts";

const fov = (50 * Math.PI) / 180;
const home: CameraPose = { eye: [0, 0, -3], target: [0, 0, 0], up: [0, -1, 0], fovY: fov };
const there: CameraPose = { eye: [2, 1, -1], target: [0, 0, 1], up: [0, -1, 0], fovY: fov };
const alice = { id: "u-alice", name: "Alice", color: "#ef476f" };

function peer(clientId: number, camera: CameraPose | null): Peer {
  return { clientId, user: alice, camera, aspect: undefined, pointer: null, presenting: false };
}

/** A room client and camera that record what the driver does. */
function rig(peers: Peer[] = [], presenter: PresenterState | null = null) {
  const sent = {
    poses: [] as CameraPose[],
    pointers: [] as unknown[],
    presents: [] as CameraPose[],
    stops: 0,
  };
  const room = { peers, presenter };
  const client: PresenceClient = {
    getSnapshot: () => room,
    publishPose: (pose) => sent.poses.push(pose),
    publishPointer: (pointer) => sent.pointers.push(pointer),
    present: (pose) => sent.presents.push(pose),
    stopPresenting: () => {
      sent.stops++;
    },
  };
  const camera: PresenceCamera & { pose: CameraPose } = {
    pose: home,
    setPose(pose) {
      this.pose = pose;
    },
    aspect3d: () => 1.5,
  };
  return { room, sent, camera, driver: new PresenceDriver(client, camera) };
}

/** Steps at 60 Hz from `from` ms for `ms`. */
function run(driver: PresenceDriver, from: number, ms: number): number {
  let now = from;
  for (; now < from + ms; now += 16) driver.step(now, 16);
  return now;
}

describe("PresenceDriver", () => {
  it("follows a person: the camera converges to theirs, and tracking ends when they leave", () => {
    const { room, camera, driver } = rig([peer(7, there)]);
    driver.follow(7);
    expect(driver.getTracking()).toMatchObject({ kind: "person", clientId: 7, name: "Alice" });
    expect(driver.step(0, 16)).toBe(true);
    run(driver, 16, 2000);
    expect(camera.pose).toBe(there);
    room.peers = [];
    driver.step(3000, 16);
    expect(driver.getTracking()).toBeNull();
  });

  it("does not follow someone who is not in the room", () => {
    const { driver } = rig([]);
    driver.follow(3);
    expect(driver.getTracking()).toBeNull();
  });

  it("follows a presenter without a live camera through the room's presenter key", () => {
    const presenter: PresenterState = {
      userId: alice.id,
      name: alice.name,
      color: alice.color,
      camera: toCollabPose(there),
      view: { kind: "3d" },
      updatedAt: 1,
    };
    const { camera, driver } = rig([peer(7, null)], presenter);
    driver.follow(7);
    run(driver, 0, 2000);
    expect(camera.pose.eye[0]).toBeCloseTo(2, 6);
  });

  it("glides to a viewpoint and stops tracking once there; own input stops earlier", () => {
    const a = rig();
    a.driver.glideTo(there);
    run(a.driver, 0, 2000);
    expect(a.camera.pose).toBe(there);
    expect(a.driver.getTracking()).toBeNull();

    const b = rig();
    b.driver.glideTo(there);
    b.driver.step(0, 16);
    b.driver.stopFollowing();
    const stoppedAt = b.camera.pose;
    run(b.driver, 16, 500);
    expect(b.camera.pose).toBe(stoppedAt);
  });

  it("publishes the pose, its aspect and the hovered pixel at the pose rate", () => {
    const { sent, driver } = rig();
    driver.pointer = { entity: "/cam/depth", u: 3, v: 4 };
    run(driver, 100, 1000); // 12 Hz over one second
    expect(sent.poses.length).toBeGreaterThanOrEqual(11);
    expect(sent.poses.length).toBeLessThanOrEqual(13);
    expect(sent.pointers.at(-1)).toEqual({ entityPath: "/cam/depth", u: 3, v: 4 });
    driver.pointer = null;
    run(driver, 1200, 200);
    expect(sent.pointers.at(-1)).toBeNull();
  });

  it("writes a presenter's camera at most every PRESENTER_WRITE_MS, and only when it moved", () => {
    const { sent, camera, driver } = rig();
    driver.setPresenting(true);
    expect(sent.presents).toEqual([home]);
    run(driver, 100, 2000); // camera still: nothing more
    expect(sent.presents.length).toBe(1);
    let now = 2100;
    for (let i = 0; i < 60; i++, now += 16) {
      camera.setPose({ ...home, eye: [i / 100, 0, -3] });
      driver.step(now, 16);
    }
    const writes = sent.presents.length - 1;
    expect(writes).toBeGreaterThanOrEqual(1);
    expect(writes).toBeLessThanOrEqual(Math.ceil((60 * 16) / PRESENTER_WRITE_MS) + 1);
    driver.setPresenting(false);
    expect(sent.stops).toBe(1);
    expect(driver.isPresenting).toBe(false);
  });
});
