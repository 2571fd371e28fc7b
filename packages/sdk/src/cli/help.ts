/** The CLI's help texts, written for people (shown by --help and after usage errors). */

export const MAIN_HELP = `depthroom: stream depth cameras into a Depthroom session

Usage:
  depthroom session create [--relay URL] [--title TEXT] [--json]
  depthroom stream <folder> --link <publish link> [options]
  depthroom demo --link <publish link> [options]
  depthroom bridge <ws://rig:8765> --link <publish link> [--topics GLOB...] [--list]
  depthroom import <file.mcap> --link <edit link> [--json]
  depthroom export <recordingId> --link <link> [--format foxglove] [-o <file>]
  depthroom admin notice "<text>" [--relay URL] [--session ID] [--level warning]
  depthroom help <command>

Commands:
  session create   Create a session on a relay; print its view, edit and publish links
  stream           Stream a folder of 16-bit depth PNGs (TUM RGB-D, 7-Scenes, plain) as a live rig
  demo             Stream a synthetic two-camera rig (moving shapes), for trying things without data
  bridge           Stream a Foxglove WebSocket source (ROS 2 foxglove_bridge, OAK, Foxglove SDK apps)
  import           Upload an MCAP file (ROS 2, Foxglove or Depthroom) as a recording of a session
  export           Download a recording, as a Foxglove MCAP (default) or as stored
  admin notice     Show a notice to every viewer and rig of the relay (or of one session)

Options:
  -h, --help       Show help (also: depthroom <command> --help)
  --version        Print the version

Environment:
  DEPTHROOM_RELAY  Default relay URL for "session create" and "admin" (default http://localhost:8787)
  DEPTHROOM_ADMIN_TOKEN  The relay's admin token, for "admin"
  DEPTHROOM_LINK   Default --link for "stream", "demo", "import" and "export"

Exit codes:
  0 success   2 usage error   3 bad input data (also a file the relay cannot import)
  4 link refused (bad, expired, wrong role) or unknown recording
  5 relay unreachable or connection lost   1 anything else   130 interrupted (Ctrl-C)
`;

export const SESSION_HELP = `Usage: depthroom session create [--relay URL] [--title TEXT] [--create-token T] [--json]
       depthroom session delete --link <edit link>

Create a session on a relay and print its links: "view" (watch), "edit" (watch, annotate, drive
playback) and "publish" (stream frames: give it to rigs, "depthroom stream" and "depthroom demo").
Delete one with its edit link: its links stop working, its recordings stay.

Options:
  --relay URL      Relay base URL (default $DEPTHROOM_RELAY or http://localhost:8787)
  --title TEXT     Session title shown in the viewer
  --create-token T The relay operator's create token, if the relay requires one
                   (default $DEPTHROOM_CREATE_TOKEN)
  --link URL       delete: the session's edit link
  --json           Print {"id": ..., "links": {"view": ..., "edit": ..., "publish": ...}} only
  -h, --help       Show this help

Example:
  link=$(depthroom session create --json | node -p 'JSON.parse(require("fs").readFileSync(0)).links.publish')
`;

export const ADMIN_HELP = `Usage: depthroom admin notice "<text>" [--relay URL] [--admin-token T] [options]

Send a notice from the relay's operator to every viewer and rig connected to the relay, on every node
of a cluster (or to one session's): the web app and the SDK show it. At most 500 characters.

Options:
  --relay URL          Relay base URL, any node (default $DEPTHROOM_RELAY or http://localhost:8787)
  --admin-token T      The relay's admin token (default $DEPTHROOM_ADMIN_TOKEN; the relay prints where
                       its admin-token file is when it starts)
  --session ID         Only this session's viewers and rigs
  --level LEVEL        info (default) or warning
  --ttl SECONDS        Also show it to those who connect within this time
  --json               Print the notice as JSON
  -h, --help           Show this help

Example:
  DEPTHROOM_ADMIN_TOKEN=$(cat .depthroom/relay/admin-token) depthroom admin notice "Restart at 17:00 UTC" --level warning --ttl 3600
`;

export const STREAM_HELP = `Usage: depthroom stream <folder> --link <publish link> [options]

Stream a folder of 16-bit depth PNGs into a session as a live rig: the camera's Pinhole once, then one
DepthImage per frame at --fps (and its pose as a Transform3D when the folder has poses). Colour beside
the depth goes along as an EncodedImage at PATH/rgb (the JPEG/PNG file's bytes), registered to the depth.

Layouts (detected):
  TUM RGB-D        depth.txt + depth/<timestamp>.png, 5000 units per metre; poses from groundtruth.txt;
                   intrinsics from the freiburg rig named in depth.txt, or as below; colour from
                   rgb.txt or rgb/<timestamp>.png|jpg, nearest in time within 20 ms
  7-Scenes, tsdf-fusion
                   frame-NNNNNN.depth.png (mm), frame-NNNNNN.pose.txt (4x4 camera-to-world),
                   camera-intrinsics.txt (3x3), frame-NNNNNN.color.png|jpg
  plain folder     *.png in name order; intrinsics from the flags below (or a camera-intrinsics.txt or
                   Open3D intrinsics .json in the folder); --depth-scale (default 1000, millimetres);
                   colour from color/ (same file name, else name order)

Options:
  --link URL          The session's publish link (default $DEPTHROOM_LINK)
  --fps N             Frames per second (default 30)
  --loop              Start again after the last frame, until Ctrl-C
  --fx N --fy N --cx N --cy N
                      Intrinsics in pixels (all four together); override the folder's
  --depth-scale N     Stored units per metre (TUM 5000, millimetres 1000)
  --entity PATH       Camera entity (default world/camera; depth goes to PATH/depth)
  --raw               Send depth uncompressed (default: per camera the smallest of RVL,
                      MED-deflate and up-zstd, all lossless, measured over the first 3 frames)
  --connect-timeout S Give up if the relay does not answer within S seconds (default 10)
  -q, --quiet         No progress line or summary (errors still go to stderr)
  -h, --help          Show this help

Progress (stderr): frames sent, frames per second, MB/s on the wire, frames dropped because the link
was slower than --fps (the newest frame wins).

Example:
  depthroom stream data/samples/tum-fr2 --link "$LINK" --fps 5 --loop
`;

export const BRIDGE_HELP = `Usage: depthroom bridge <ws://rig:8765> --link <publish link> [options]
       depthroom bridge <ws://rig:8765> --list [--topics GLOB...]

Stream a Foxglove WebSocket source into a session: a ROS 2 rig running foxglove_bridge, a Luxonis OAK
(RemoteConnection), Isaac Sim, an app on the Foxglove SDK. Run it near the rig: it connects out to
both the source and the relay, and runs until Ctrl-C, reconnecting to the source with backoff (the
session shows the rig offline meanwhile).

What it bridges: sensor_msgs/msg/Image 16UC1, mono16 (millimetres), 32FC1 (metres); CompressedImage
"16UC1; compressedDepth png|rvl" (and 32FC1 inverse depth); CameraInfo -> Pinhole; /tf and /tf_static
-> Transform3D, with ROS frame ids as the entity tree (world/<parent>/<child>/...); foxglove.RawImage,
CompressedImage (16-bit png), CameraCalibration, FrameTransform(s) in json. A depth image lands at
<its frame's entity>/<topic with / as .>; header.stamp is the ros_time timeline. Messages that cannot
be bridged are counted and skipped.

Options:
  --link URL          The session's publish link (default $DEPTHROOM_LINK)
  --topics GLOB       Topics to bridge (repeat, or comma-separate): * within a name segment, ** across,
                      ? one character. Default: every topic with depth or stereo in its name, the
                      camera_info beside each, and the transforms
  --list              Print what the source advertises, what would be bridged to which entity path,
                      and why anything is skipped (listens --wait seconds, default 2); needs no link
  --wait S            Give up with exit 3 if no depth topic is advertised within S seconds (default 30;
                      0 waits forever)
  --raw               Send depth uncompressed to the relay (default: RVL, lossless)
  --connect-timeout S Give up if the source or the relay does not answer within S seconds (default 10)
  -q, --quiet         No progress line or summary
  -h, --help          Show this help

Progress (stderr): topics bridged, depth frames per second in (from the source) and out (acknowledged
by the relay), MB/s to the relay, frames dropped (the uplink was slower: the newest frame wins, per
topic), messages skipped.

Exit codes: 2 bad URL or options, 3 no depth topics, 4 link refused, 5 source or relay unreachable,
130 Ctrl-C.

Example (on the rig: ros2 launch foxglove_bridge foxglove_bridge_launch.xml):
  depthroom bridge ws://localhost:8765 --link "$LINK" --topics '/camera/camera/depth/**'
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
  --raw               Send depth uncompressed (default: per camera the smallest of RVL,
                      MED-deflate and up-zstd, all lossless, measured over the first 3 frames)
  --connect-timeout S Give up if the relay does not answer within S seconds (default 10)
  -q, --quiet         No progress line or summary
  -h, --help          Show this help
`;

export const IMPORT_HELP = `Usage: depthroom import <file.mcap> --link <edit link> [--title TEXT] [--json]

Upload an MCAP file to the relay as a new recording of the session, and print the recording's id.
Reads ROS 2 bags (sensor_msgs/msg/Image 16UC1, mono16, 32FC1 + sensor_msgs/msg/CameraInfo), Foxglove
schemas (foxglove.RawImage + foxglove.CameraCalibration + foxglove.FrameTransform) and Depthroom
recordings. Channels it cannot use are listed and skipped; a truncated or partly corrupt file imports
what can be read and says what was not. A file with nothing to import is refused (exit 3).

Options:
  --link URL       The session's edit link (default $DEPTHROOM_LINK)
  --title TEXT     The recording's title (default: the file name)
  --json           Print {"recordingId": ..., "messages": ..., "entities": [...], "skipped": [...],
                   "problems": [...]} only
  -q, --quiet      No progress bar or summary (skipped channels and problems are still shown)
  -h, --help       Show this help

Progress (stderr): the upload's bytes; then the relay imports and answers.
`;

export const EXPORT_HELP = `Usage: depthroom export <recordingId> --link <link> [--format foxglove|depthroom] [-o <file>]

Download a stopped recording. --format foxglove (the default) converts it to an MCAP file with Foxglove
schemas that Foxglove opens: depth as foxglove.RawImage (16UC1 or 32FC1), intrinsics as
foxglove.CameraCalibration, transforms as foxglove.FrameTransform, and the complete measurements of
the recording's review room as JSON on /depthroom/measurements. --format depthroom saves the
recording as the relay stores it (the wire messages, byte for byte).

Options:
  --link URL       A view or edit link of the recording's session, or the recording's review link
                   (then <recordingId> may be left out) (default $DEPTHROOM_LINK)
  --format F       foxglove (default) or depthroom
  -o, --output F   Where to write (default <recordingId>.foxglove.mcap or <recordingId>.mcap)
  --json           Print {"recordingId", "file", "format", "bytes", "images", ...} only
  -q, --quiet      No progress bar or summary
  -h, --help       Show this help
`;
