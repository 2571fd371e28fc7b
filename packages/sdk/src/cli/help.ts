/** The CLI's help texts, written for people (shown by --help and after usage errors). */

export const MAIN_HELP = `depthroom: stream depth cameras into a Depthroom session

Usage:
  depthroom session create [--relay URL] [--title TEXT] [--json]
  depthroom stream <folder> --link <publish link> [options]
  depthroom demo --link <publish link> [options]
  depthroom help <command>

Commands:
  session create   Create a session on a relay; print its view, edit and publish links
  stream           Stream a folder of 16-bit depth PNGs (TUM RGB-D, 7-Scenes, plain) as a live rig
  demo             Stream a synthetic two-camera rig (moving shapes), for trying things without data

Options:
  -h, --help       Show help (also: depthroom <command> --help)
  --version        Print the version

Environment:
  DEPTHROOM_RELAY  Default relay URL for "session create" (default http://localhost:8787)
  DEPTHROOM_LINK   Default --link for "stream" and "demo"

Exit codes:
  0 success   2 usage error   3 bad input data   4 link refused (bad, expired, not publish)
  5 relay unreachable or connection lost   1 anything else   130 interrupted (Ctrl-C)
`;

export const SESSION_HELP = `Usage: depthroom session create [--relay URL] [--title TEXT] [--json]

Create a session on a relay and print its links: "view" (watch), "edit" (watch, annotate, drive
playback) and "publish" (stream frames: give it to rigs, "depthroom stream" and "depthroom demo").

Options:
  --relay URL      Relay base URL (default $DEPTHROOM_RELAY or http://localhost:8787)
  --title TEXT     Session title shown in the viewer
  --json           Print {"id": ..., "links": {"view": ..., "edit": ..., "publish": ...}} only
  -h, --help       Show this help

Example:
  link=$(depthroom session create --json | node -p 'JSON.parse(require("fs").readFileSync(0)).links.publish')
`;

export const STREAM_HELP = `Usage: depthroom stream <folder> --link <publish link> [options]

Stream a folder of 16-bit depth PNGs into a session as a live rig: the camera's Pinhole once, then one
DepthImage per frame at --fps (and its pose as a Transform3D when the folder has poses).

Layouts (detected):
  TUM RGB-D        depth.txt + depth/<timestamp>.png, 5000 units per metre; poses from groundtruth.txt;
                   intrinsics from the freiburg rig named in depth.txt, or as below
  7-Scenes, tsdf-fusion
                   frame-NNNNNN.depth.png (mm), frame-NNNNNN.pose.txt (4x4 camera-to-world),
                   camera-intrinsics.txt (3x3)
  plain folder     *.png in name order; intrinsics from the flags below (or a camera-intrinsics.txt or
                   Open3D intrinsics .json in the folder); --depth-scale (default 1000, millimetres)

Options:
  --link URL          The session's publish link (default $DEPTHROOM_LINK)
  --fps N             Frames per second (default 30)
  --loop              Start again after the last frame, until Ctrl-C
  --fx N --fy N --cx N --cy N
                      Intrinsics in pixels (all four together); override the folder's
  --depth-scale N     Stored units per metre (TUM 5000, millimetres 1000)
  --entity PATH       Camera entity (default world/camera; depth goes to PATH/depth)
  --raw               Send depth uncompressed (default: RVL, lossless)
  --connect-timeout S Give up if the relay does not answer within S seconds (default 10)
  -q, --quiet         No progress line or summary (errors still go to stderr)
  -h, --help          Show this help

Progress (stderr): frames sent, frames per second, MB/s on the wire, frames dropped because the link
was slower than --fps (the newest frame wins).

Example:
  depthroom stream data/samples/tum-fr2 --link "$LINK" --fps 5 --loop
`;

export const DEMO_HELP = `Usage: depthroom demo --link <publish link> [options]

Stream a synthetic rig: two depth cameras (world/rig/cam0, and world/rig/cam1 0.4 m to its right,
turned inwards: a Transform3D between them) watching an orbiting sphere and a bouncing box in a room.
Runs until Ctrl-C or --duration.

Options:
  --link URL          The session's publish link (default $DEPTHROOM_LINK)
  --fps N             Frames per second per camera (default 15)
  --width N --height N
                      Image size (default 320 x 240)
  --duration S        Stop after S seconds (default: run until Ctrl-C)
  --raw               Send depth uncompressed (default: RVL, lossless)
  --connect-timeout S Give up if the relay does not answer within S seconds (default 10)
  -q, --quiet         No progress line or summary
  -h, --help          Show this help
`;
