// The `ros2msg` schema texts of the ROS 2 messages the bridge maps, laid out as foxglove_bridge
// advertises them (the message's .msg, then each dependency after a `====` line and `MSG: pkg/Name`).
// For sources that simulate a rig (tests, benches) and for reading channels that come without text.

const SEPARATOR = `\n${"=".repeat(80)}\n`;

const HEADER = `MSG: std_msgs/Header
builtin_interfaces/Time stamp
string frame_id`;
const TIME = `MSG: builtin_interfaces/Time
int32 sec
uint32 nanosec`;

function withDependencies(main: string, ...dependencies: string[]): string {
  return [main, ...dependencies].join(SEPARATOR);
}

export const ROS2_SCHEMA_TEXT = {
  "sensor_msgs/msg/Image": withDependencies(
    `std_msgs/Header header
uint32 height
uint32 width
string encoding
uint8 is_bigendian
uint32 step
uint8[] data`,
    HEADER,
    TIME,
  ),
  "sensor_msgs/msg/CompressedImage": withDependencies(
    `std_msgs/Header header
string format
uint8[] data`,
    HEADER,
    TIME,
  ),
  "sensor_msgs/msg/CameraInfo": withDependencies(
    `std_msgs/Header header
uint32 height
uint32 width
string distortion_model
float64[] d
float64[9] k
float64[9] r
float64[12] p
uint32 binning_x
uint32 binning_y
sensor_msgs/RegionOfInterest roi`,
    HEADER,
    TIME,
    `MSG: sensor_msgs/RegionOfInterest
uint32 x_offset
uint32 y_offset
uint32 height
uint32 width
bool do_rectify`,
  ),
  "tf2_msgs/msg/TFMessage": withDependencies(
    "geometry_msgs/TransformStamped[] transforms",
    `MSG: geometry_msgs/TransformStamped
std_msgs/Header header
string child_frame_id
geometry_msgs/Transform transform`,
    HEADER,
    TIME,
    `MSG: geometry_msgs/Transform
geometry_msgs/Vector3 translation
geometry_msgs/Quaternion rotation`,
    `MSG: geometry_msgs/Vector3
float64 x
float64 y
float64 z`,
    `MSG: geometry_msgs/Quaternion
float64 x 0
float64 y 0
float64 z 0
float64 w 1`,
  ),
} as const;
export type Ros2SchemaName = keyof typeof ROS2_SCHEMA_TEXT;
