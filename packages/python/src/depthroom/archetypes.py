"""The archetypes, as Rerun's Python classes and as packages/schema defines them (same defaults, same
limits): DepthImage, Pinhole, Transform3D. Constructors validate and raise `ValidationError` (a
`ValueError`) naming the field."""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from .errors import ValidationError

# Rerun channel datatypes: name -> (wire id, numpy dtype, float). packages/schema/src/datatypes.ts.
DATATYPES: dict[str, tuple[int, np.dtype, bool]] = {
    "U8": (6, np.dtype("<u1"), False),
    "I8": (7, np.dtype("<i1"), False),
    "U16": (8, np.dtype("<u2"), False),
    "I16": (9, np.dtype("<i2"), False),
    "U32": (10, np.dtype("<u4"), False),
    "I32": (11, np.dtype("<i4"), False),
    "U64": (12, np.dtype("<u8"), False),
    "I64": (13, np.dtype("<i8"), False),
    "F16": (33, np.dtype("<f2"), True),
    "F32": (34, np.dtype("<f4"), True),
    "F64": (35, np.dtype("<f8"), True),
}
_DATATYPE_BY_KIND = {(dt.kind, dt.itemsize): name for name, (_, dt, _) in DATATYPES.items()}
DATATYPE_BY_ID = {wire_id: name for name, (wire_id, _, _) in DATATYPES.items()}

# Rerun colormaps, ids as on the wire (packages/schema/src/colormaps.ts).
COLORMAPS = ("grayscale", "inferno", "magma", "plasma", "turbo", "viridis", "cyantoyellow", "spectral", "twilight")
COLORMAP_IDS = {name: i + 1 for i, name in enumerate(COLORMAPS)}

MAX_IMAGE_DIMENSION = 16384
MAX_PIXELS = 1 << 25

DEPTH_IMAGE_DEFAULTS = {
    "meter_integer": 1000.0,
    "meter_float": 1.0,
    "colormap": "turbo",
    "point_fill_ratio": 1.0,
    "draw_order": -20.0,
}


def _number(field: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValidationError(field, f"expected a number, got {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number):
        raise ValidationError(field, f"must be finite, got {number}")
    return number


def _numbers(field: str, value: Any, count: int) -> list[float]:
    try:
        items = list(np.asarray(value, dtype=np.float64).reshape(-1)) if not isinstance(value, str) else None
    except (TypeError, ValueError):
        items = None
    if items is None or len(items) != count:
        raise ValidationError(field, f"expected {count} numbers")
    return [_number(field, v) for v in items]


def _check_size(field: str, width: int, height: int) -> None:
    if not (1 <= width <= MAX_IMAGE_DIMENSION and 1 <= height <= MAX_IMAGE_DIMENSION):
        raise ValidationError(field, f"{width} x {height} is outside 1..{MAX_IMAGE_DIMENSION}")
    if width * height > MAX_PIXELS:
        raise ValidationError(field, f"more than {MAX_PIXELS} pixels")


class DepthImage:
    """One channel of depth (Rerun's `DepthImage`): a stored value d lies d / meter metres along the
    optical axis; 0 and NaN mean "no depth". `image` is a 2-D numpy array of uint8 ... uint64, int8 ...
    int64, float16, float32 or float64 (a trailing axis of 1 is dropped). The pixels are copied."""

    kind = "DepthImage"

    def __init__(
        self,
        image: Any,
        *,
        meter: float | None = None,
        colormap: str | None = None,
        depth_range: Sequence[float] | None = None,
        point_fill_ratio: float | None = None,
        draw_order: float | None = None,
    ) -> None:
        if not isinstance(image, np.ndarray):
            try:
                image = np.asarray(image)
            except Exception as error:  # noqa: BLE001 - any conversion failure is a bad argument
                raise ValidationError("DepthImage.image", f"not an array: {error}") from None
        if image.ndim == 3 and image.shape[2] == 1:
            image = image[:, :, 0]
        if image.ndim != 2:
            raise ValidationError(
                "DepthImage.image", f"expected a 2-D array (height, width), got shape {tuple(image.shape)}"
            )
        datatype = _DATATYPE_BY_KIND.get((image.dtype.kind, image.dtype.itemsize))
        if datatype is None:
            raise ValidationError(
                "DepthImage.image",
                f"dtype {image.dtype} is not a depth datatype (uint8..uint64, int8..int64, float16/32/64)",
            )
        height, width = image.shape
        _check_size("DepthImage.image", width, height)
        is_float = DATATYPES[datatype][2]
        if meter is None:
            meter = DEPTH_IMAGE_DEFAULTS["meter_float" if is_float else "meter_integer"]
        meter = _number("DepthImage.meter", meter)
        if not meter > 0:
            raise ValidationError("DepthImage.meter", f"must be a positive number of units per metre, got {meter}")
        if colormap is None:
            colormap = DEPTH_IMAGE_DEFAULTS["colormap"]
        name = colormap.lower() if isinstance(colormap, str) else None
        if name not in COLORMAP_IDS:
            raise ValidationError("DepthImage.colormap", f"{colormap!r} is not one of {', '.join(COLORMAPS)}")
        if depth_range is not None:
            low, high = _numbers("DepthImage.depth_range", depth_range, 2)
            if low > high:
                raise ValidationError("DepthImage.depth_range", f"min {low} exceeds max {high}")
            depth_range = (low, high)
        fill = _number(
            "DepthImage.point_fill_ratio",
            DEPTH_IMAGE_DEFAULTS["point_fill_ratio"] if point_fill_ratio is None else point_fill_ratio,
        )
        if fill < 0:
            raise ValidationError("DepthImage.point_fill_ratio", f"must be >= 0, got {fill}")
        order = _number(
            "DepthImage.draw_order", DEPTH_IMAGE_DEFAULTS["draw_order"] if draw_order is None else draw_order
        )
        self.image: np.ndarray = np.array(image, dtype=DATATYPES[datatype][1], order="C", copy=True)
        self.datatype = datatype
        self.width = width
        self.height = height
        self.meter = meter
        self.colormap = name
        self.depth_range: tuple[float, float] | None = depth_range
        self.point_fill_ratio = fill
        self.draw_order = order

    def __repr__(self) -> str:
        return (
            f"DepthImage({self.width}x{self.height} {self.datatype}, meter={self.meter}, colormap={self.colormap!r}"
            f", depth_range={self.depth_range}, point_fill_ratio={self.point_fill_ratio}, draw_order={self.draw_order})"
        )


# View coordinates (Rerun's ViewCoordinates): +X +Y +Z directions; wire ids U 1, D 2, R 3, L 4, F 5, B 6.
DIRECTION_IDS = {"U": 1, "D": 2, "R": 3, "L": 4, "F": 5, "B": 6}
DIRECTION_LETTERS = {v: k for k, v in DIRECTION_IDS.items()}
_AXIS = {"U": "v", "D": "v", "R": "h", "L": "h", "F": "d", "B": "d"}


def is_view_coordinates(xyz: Any) -> bool:
    return (
        isinstance(xyz, str)
        and len(xyz) == 3
        and all(c in _AXIS for c in xyz)
        and len({_AXIS[c] for c in xyz}) == 3
    )


class Pinhole:
    """A camera's intrinsics (Rerun's `Pinhole`). Give `focal_length` (a scalar or (fx, fy)) with
    `width`/`height` (or `resolution`) and optionally `principal_point` (default: the image centre), or
    `image_from_camera` (3x3, row-major nested like Rerun's Mat3x3; a flat 9 is column-major).
    `camera_xyz` defaults to "RDF" (x right, y down, z forward). `distortion` is the lens's
    (model, coefficients) in ROS CameraInfo's names and D order: ("plumb_bob", [k1, k2, p1, p2, k3]),
    ("rational_polynomial", [k1, k2, p1, p2, k3, k4, k5, k6]), ("kannala_brandt" or "equidistant",
    [k1, k2, k3, k4]) (the schema's lensDistortion.ts; OpenCV's maths)."""

    kind = "Pinhole"

    def __init__(
        self,
        *,
        image_from_camera: Any = None,
        resolution: Sequence[float] | None = None,
        focal_length: float | Sequence[float] | None = None,
        principal_point: Sequence[float] | None = None,
        width: float | None = None,
        height: float | None = None,
        camera_xyz: str | None = None,
        image_plane_distance: float | None = None,
        distortion: tuple[str, Sequence[float]] | None = None,
    ) -> None:
        if (width is None) != (height is None):
            raise ValidationError("Pinhole.width", "give both width and height, or neither")
        if width is not None and resolution is not None:
            raise ValidationError("Pinhole.resolution", "give resolution or width/height, not both")
        if width is not None:
            resolution = (width, height)  # type: ignore[assignment]
        res: tuple[float, float] | None = None
        if resolution is not None:
            w, h = _numbers("Pinhole.resolution", resolution, 2)
            if not (w > 0 and h > 0):
                raise ValidationError("Pinhole.resolution", f"must be positive, got {w} x {h}")
            res = (w, h)
        if image_from_camera is not None:
            if focal_length is not None or principal_point is not None:
                raise ValidationError(
                    "Pinhole.image_from_camera", "give image_from_camera or focal_length/principal_point, not both"
                )
            matrix = np.asarray(image_from_camera, dtype=np.float64)
            if matrix.shape == (3, 3):
                column_major = [float(v) for v in matrix.T.reshape(-1)]
            elif matrix.shape == (9,):
                column_major = [float(v) for v in matrix]
            else:
                raise ValidationError("Pinhole.image_from_camera", f"expected 3x3, got shape {matrix.shape}")
        else:
            if focal_length is None:
                raise ValidationError("Pinhole.focal_length", "give focal_length (or image_from_camera)")
            if np.ndim(focal_length) == 0:
                fx = fy = _number("Pinhole.focal_length", focal_length)
            else:
                fx, fy = _numbers("Pinhole.focal_length", focal_length, 2)
            if principal_point is not None:
                cx, cy = _numbers("Pinhole.principal_point", principal_point, 2)
            elif res is not None:
                cx, cy = res[0] / 2, res[1] / 2
            else:
                raise ValidationError("Pinhole.principal_point", "give principal_point or width/height")
            column_major = [fx, 0.0, 0.0, 0.0, fy, 0.0, cx, cy, 1.0]
        if not all(math.isfinite(v) for v in column_major):
            raise ValidationError("Pinhole.image_from_camera", "must be finite")
        if not (column_major[0] > 0 and column_major[4] > 0):
            raise ValidationError("Pinhole.focal_length", "focal lengths fx and fy must be > 0")
        xyz = "RDF" if camera_xyz is None else camera_xyz
        xyz = xyz.upper() if isinstance(xyz, str) else xyz
        if not is_view_coordinates(xyz):
            raise ValidationError("Pinhole.camera_xyz", f"{camera_xyz!r} is not a view-coordinates triple like RDF")
        if image_plane_distance is not None:
            image_plane_distance = _number("Pinhole.image_plane_distance", image_plane_distance)
            if not image_plane_distance > 0:
                raise ValidationError("Pinhole.image_plane_distance", "must be > 0")
        self.image_from_camera: tuple[float, ...] = tuple(column_major)  # column-major, as on the wire
        self.resolution = res
        self.camera_xyz: str = xyz
        self.image_plane_distance: float | None = image_plane_distance
        self.distortion: tuple[str, tuple[float, ...]] | None = (
            None if distortion is None else _lens_distortion(distortion)
        )

    @property
    def fx(self) -> float:
        return self.image_from_camera[0]

    @property
    def fy(self) -> float:
        return self.image_from_camera[4]

    @property
    def cx(self) -> float:
        return self.image_from_camera[6]

    @property
    def cy(self) -> float:
        return self.image_from_camera[7]

    def __repr__(self) -> str:
        return (
            f"Pinhole(fx={self.fx}, fy={self.fy}, cx={self.cx}, cy={self.cy}, resolution={self.resolution}, "
            f"camera_xyz={self.camera_xyz!r}, image_plane_distance={self.image_plane_distance})"
        )


# Lens distortion models: wire id and coefficient count (DISTORTION_MODELS in lensDistortion.ts).
DISTORTION_MODELS = {"plumb_bob": (1, 5), "rational_polynomial": (2, 8), "kannala_brandt": (3, 4), "equidistant": (4, 4)}
MAX_DISTORTION_COEFFICIENT = 1e6


def _lens_distortion(distortion: Any) -> tuple[str, tuple[float, ...]]:
    try:
        model, coefficients = distortion
    except (TypeError, ValueError):
        raise ValidationError("Pinhole.distortion", "give (model, coefficients)") from None
    if model not in DISTORTION_MODELS:
        raise ValidationError("Pinhole.distortion.model", f"{model!r} is not one of {', '.join(DISTORTION_MODELS)}")
    count = DISTORTION_MODELS[model][1]
    given = int(np.size(coefficients)) if not isinstance(coefficients, str) else -1
    if given != count:
        raise ValidationError("Pinhole.distortion.coefficients", f"{model} takes {count} coefficients, got {given}")
    values = _numbers("Pinhole.distortion.coefficients", coefficients, count)
    if not all(math.isfinite(c) and abs(c) <= MAX_DISTORTION_COEFFICIENT for c in values):
        raise ValidationError("Pinhole.distortion.coefficients", f"must be finite and within +-{MAX_DISTORTION_COEFFICIENT:g}")
    return (model, tuple(values))


def _js_hypot(values: Sequence[float]) -> float:
    """Math.hypot as V8 computes it (scaled, Kahan-compensated sum), so normalized quaternions are
    bit-identical to the TypeScript encoder's."""
    largest = max(abs(v) for v in values)
    if largest == 0 or math.isinf(largest):
        return largest
    total = 0.0
    compensation = 0.0
    for v in values:
        scaled = abs(v) / largest
        summand = scaled * scaled - compensation
        preliminary = total + summand
        compensation = (preliminary - total) - summand
        total = preliminary
    return math.sqrt(total) * largest


class Transform3D:
    """Where an entity sits in its parent's frame (Rerun's parent-from-child):
    p_parent = quaternion * p_child + translation. `quaternion` is [x, y, z, w] (normalized here)."""

    kind = "Transform3D"

    def __init__(self, *, translation: Sequence[float] | None = None, quaternion: Sequence[float] | None = None) -> None:
        t = (0.0, 0.0, 0.0) if translation is None else tuple(_numbers("Transform3D.translation", translation, 3))
        q = (0.0, 0.0, 0.0, 1.0) if quaternion is None else tuple(_numbers("Transform3D.quaternion", quaternion, 4))
        norm = _js_hypot(q)
        if not norm > 1e-12:
            raise ValidationError("Transform3D.quaternion", "must not be zero")
        # A unit quaternion stays bit-identical (as the TypeScript side keeps it); anything else is normalized.
        if abs(norm - 1) >= 1e-12:
            q = (q[0] / norm, q[1] / norm, q[2] / norm, q[3] / norm)
        self.translation: tuple[float, float, float] = t  # type: ignore[assignment]
        self.quaternion: tuple[float, float, float, float] = q  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Transform3D(translation={self.translation}, quaternion={self.quaternion})"


# Rerun's ColorModel (wire ids) and its channel counts; Image holds U8 pixels, or U16 for L only.
COLOR_MODELS = {"L": (1, 1), "RGB": (2, 3), "RGBA": (3, 4), "BGR": (4, 3), "BGRA": (5, 4)}
COLOR_MODEL_BY_ID = {wire_id: name for name, (wire_id, _) in COLOR_MODELS.items()}
IMAGE_DEFAULTS = {"opacity": 1.0, "draw_order": -10.0}


def _opacity(field: str, value: Any) -> float:
    opacity = _number(field, IMAGE_DEFAULTS["opacity"] if value is None else value)
    if not 0 <= opacity <= 1:
        raise ValidationError(field, f"must be within 0..1, got {opacity}")
    return opacity


class Image:
    """Colour or grey pixels (Rerun's `Image`): (height, width) or (height, width, 1) is L; (h, w, 3)
    RGB and (h, w, 4) RGBA unless `color_model` says BGR / BGRA (OpenCV's order). uint8 pixels, or
    uint16 for L (mono16). Under the same Pinhole as a depth image it is that depth's colour."""

    kind = "Image"

    def __init__(
        self,
        image: Any,
        color_model: str | None = None,
        *,
        opacity: float | None = None,
        draw_order: float | None = None,
    ) -> None:
        image = np.asarray(image)
        if image.ndim == 2:
            image = image[:, :, None]
        if image.ndim != 3 or image.shape[2] not in (1, 3, 4):
            raise ValidationError("Image.image", f"expected (height, width[, 1|3|4]), got shape {tuple(image.shape)}")
        channels = image.shape[2]
        if color_model is None:
            color_model = {1: "L", 3: "RGB", 4: "RGBA"}[channels]
        model = color_model.upper() if isinstance(color_model, str) else None
        if model not in COLOR_MODELS:
            raise ValidationError("Image.color_model", f"{color_model!r} is not one of {', '.join(COLOR_MODELS)}")
        if COLOR_MODELS[model][1] != channels:
            raise ValidationError("Image.color_model", f"{model} has {COLOR_MODELS[model][1]} channels, the image {channels}")
        if image.dtype == np.uint8:
            datatype = "U8"
        elif image.dtype == np.uint16 and model == "L":
            datatype = "U16"
        else:
            raise ValidationError(
                "Image.image", f"dtype {image.dtype}: images hold uint8 pixels (or uint16 for L, mono16)"
            )
        height, width = image.shape[:2]
        _check_size("Image.image", width, height)
        self.image: np.ndarray = np.array(image, dtype=DATATYPES[datatype][1], order="C", copy=True)
        self.color_model = model
        self.datatype = datatype
        self.width = width
        self.height = height
        self.opacity = _opacity("Image.opacity", opacity)
        self.draw_order = _number("Image.draw_order", IMAGE_DEFAULTS["draw_order"] if draw_order is None else draw_order)

    def __repr__(self) -> str:
        return f"Image({self.width}x{self.height} {self.color_model} {self.datatype}, opacity={self.opacity}, draw_order={self.draw_order})"


MEDIA_TYPES = {"image/jpeg": 1, "image/png": 2}
MEDIA_TYPE_BY_ID = {v: k for k, v in MEDIA_TYPES.items()}
_SIGNATURES = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}


class EncodedImage:
    """A JPEG or PNG file's bytes (Rerun's `EncodedImage`): `path=` or `contents=`; the media type is
    taken from the bytes' signature (and must agree with `media_type` when given)."""

    kind = "EncodedImage"

    def __init__(
        self,
        *,
        path: Any = None,
        contents: bytes | bytearray | memoryview | np.ndarray | None = None,
        media_type: str | None = None,
        opacity: float | None = None,
        draw_order: float | None = None,
    ) -> None:
        if (path is None) == (contents is None):
            raise ValidationError("EncodedImage.contents", "give exactly one of path= or contents=")
        if path is not None:
            try:
                with open(path, "rb") as file:
                    blob = file.read()
            except OSError as error:
                raise ValidationError("EncodedImage.path", f"cannot read {path}: {error.strerror}") from None
        else:
            try:
                blob = bytes(contents.tobytes() if isinstance(contents, np.ndarray) else contents)  # type: ignore[union-attr]
            except TypeError:
                raise ValidationError("EncodedImage.contents", f"expected bytes, got {type(contents).__name__}") from None
        guessed = next((t for t, sig in _SIGNATURES.items() if blob.startswith(sig)), None)
        if guessed is None:
            raise ValidationError("EncodedImage.contents", "neither a JPEG nor a PNG file (no known signature)")
        if media_type is not None and media_type != guessed:
            raise ValidationError("EncodedImage.media_type", f"{media_type}, but the bytes are {guessed}")
        self.contents = blob
        self.media_type = guessed
        self.opacity = _opacity("EncodedImage.opacity", opacity)
        self.draw_order = _number(
            "EncodedImage.draw_order", IMAGE_DEFAULTS["draw_order"] if draw_order is None else draw_order
        )

    def __repr__(self) -> str:
        return f"EncodedImage({self.media_type}, {len(self.contents)} bytes, opacity={self.opacity}, draw_order={self.draw_order})"


Archetype = DepthImage | Pinhole | Transform3D | Image | EncodedImage
# Frames (latest wins, sent after state); Pinhole and Transform3D are state (isFrameKind in message.ts).
FRAME_KINDS = frozenset({"DepthImage", "Image", "EncodedImage"})
