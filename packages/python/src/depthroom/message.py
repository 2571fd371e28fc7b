"""The wire message (packages/schema/PROTOCOL.md): header, entity path, time stamps, archetype body.
`encode_message` gives the TypeScript encoder's bytes for the same input; `decode_message` refuses bad
bytes with `DecodeError`, never another exception, and allocates no more than the header declares."""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field

import numpy as np

from .archetypes import (
    COLOR_MODEL_BY_ID,
    COLOR_MODELS,
    COLORMAP_IDS,
    COLORMAPS,
    DATATYPE_BY_ID,
    DATATYPES,
    DIRECTION_IDS,
    DIRECTION_LETTERS,
    DISTORTION_MODELS,
    MAX_IMAGE_DIMENSION,
    MEDIA_TYPE_BY_ID,
    MEDIA_TYPES,
    MAX_PIXELS,
    Archetype,
    DepthImage,
    EncodedImage,
    Image,
    Pinhole,
    Transform3D,
)
from .errors import DecodeError, ValidationError
from .med import float_decode, med_decode
from .rvl import rvl_decode, rvl_encode
from .up_zstd import up_zstd_decode

MAGIC = b"DPTH"
PROTOCOL_VERSION = 1
MAX_MESSAGE_BYTES = (1 << 25) * 4 + 64 * 1024
MAX_TIMELINES = 16
MAX_ENTITY_PATH_BYTES = 512
KIND_IDS = {"DepthImage": 1, "Pinhole": 2, "Transform3D": 3, "Image": 4, "EncodedImage": 5}
KIND_BY_ID = {v: k for k, v in KIND_IDS.items()}
KIND_VERSION = 1
TIMELINE_KIND_IDS = {"sequence": 1, "timestamp": 2}
TIMELINE_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
_SEGMENT = re.compile(r"[A-Za-z0-9_.-]+")
_FLAG_STATIC = 1
_FLAG_DEPTH_RANGE = 1
_FLAG_RESOLUTION = 1
_FLAG_IMAGE_PLANE = 2
_FLAG_DISTORTION = 4  # Pinhole body version 2 only
_ENCODINGS = {"raw": 0, "rvl": 1}
_I64_MIN, _I64_MAX = -(1 << 63), (1 << 63) - 1


@dataclass(frozen=True)
class TimePoint:
    """A time on one timeline: a `sequence` number, or a `timestamp` in nanoseconds since the epoch."""

    timeline: str
    kind: str
    value: int


@dataclass(frozen=True)
class Message:
    """One logged archetype as it travels: what the subscriber yields."""

    entity_path: str
    timelines: tuple[TimePoint, ...]
    archetype: Archetype
    static: bool = False
    byte_length: int = field(default=0, compare=False)

    @property
    def times(self) -> dict[str, int]:
        """{timeline: value} (sequence numbers, timestamps in nanoseconds)."""
        return {t.timeline: t.value for t in self.timelines}


def check_entity_path(path: object) -> str:
    """The normalized entity path (a leading "/" dropped, as in Rerun); raises `ValidationError`."""
    if not isinstance(path, str):
        raise ValidationError("entity_path", f"expected a string, got {type(path).__name__}")
    trimmed = path[1:] if path.startswith("/") else path
    if not trimmed:
        raise ValidationError("entity_path", "empty")
    if len(trimmed) > MAX_ENTITY_PATH_BYTES:
        raise ValidationError("entity_path", f"longer than {MAX_ENTITY_PATH_BYTES}")
    for segment in trimmed.split("/"):
        if not _SEGMENT.fullmatch(segment) or segment in (".", ".."):
            raise ValidationError("entity_path", f'"{path}": bad segment "{segment}"')
    return trimmed


def check_timeline(name: object) -> str:
    if not isinstance(name, str) or not TIMELINE_NAME.fullmatch(name):
        raise ValidationError("timeline", f"{name!r} is not a timeline name (1-64 of A-Z a-z 0-9 _ . : -)")
    return name


def encode_message(
    entity_path: str,
    archetype: Archetype,
    timelines: tuple[TimePoint, ...] | list[TimePoint] = (),
    *,
    static: bool = False,
    depth_encoding: str | None = None,
) -> bytes:
    """The message's bytes. `depth_encoding`: "rvl" (default for U16) or "raw" (default otherwise)."""
    path = check_entity_path(entity_path)
    if len(timelines) > MAX_TIMELINES:
        raise ValidationError("timelines", f"more than {MAX_TIMELINES} timelines")
    kind = getattr(archetype, "kind", None)
    if not isinstance(archetype, (DepthImage, Pinhole, Transform3D, Image, EncodedImage)):
        raise ValidationError(
            "archetype",
            f"expected a DepthImage, Pinhole, Transform3D, Image or EncodedImage, got {type(archetype).__name__}",
        )
    head = bytearray(MAGIC)
    # A Pinhole with a lens distortion is body version 2; everything else version 1 (PROTOCOL.md).
    kind_version = 2 if isinstance(archetype, Pinhole) and archetype.distortion is not None else KIND_VERSION
    head += struct.pack("<BBBB", PROTOCOL_VERSION, KIND_IDS[kind], kind_version, _FLAG_STATIC if static else 0)
    encoded_path = path.encode("utf-8")
    head += struct.pack("<H", len(encoded_path)) + encoded_path
    head.append(len(timelines))
    for t in timelines:
        name = check_timeline(t.timeline).encode("utf-8")
        if t.kind not in TIMELINE_KIND_IDS:
            raise ValidationError("timeline", f"kind {t.kind!r} is not sequence or timestamp")
        if not _I64_MIN <= t.value <= _I64_MAX:
            raise ValidationError("timeline", f'"{t.timeline}": {t.value} does not fit in 64 bits')
        head += struct.pack("<B", len(name)) + name + struct.pack("<Bq", TIMELINE_KIND_IDS[t.kind], t.value)
    if isinstance(archetype, DepthImage):
        parts = _depth_image_body(archetype, depth_encoding)
    elif isinstance(archetype, Pinhole):
        parts = [_pinhole_body(archetype)]
    elif isinstance(archetype, Image):
        head_fields = struct.pack(
            "<IIBBBdd",
            archetype.width,
            archetype.height,
            COLOR_MODELS[archetype.color_model][0],
            DATATYPES[archetype.datatype][0],
            0,
            archetype.opacity,
            archetype.draw_order,
        )
        payload = archetype.image.tobytes()
        parts = [head_fields + struct.pack("<I", len(payload)), payload]
    elif isinstance(archetype, EncodedImage):
        head_fields = struct.pack("<BBddI", MEDIA_TYPES[archetype.media_type], 0, archetype.opacity, archetype.draw_order, len(archetype.contents))
        parts = [head_fields, archetype.contents]
    else:
        parts = [struct.pack("<7d", *archetype.translation, *archetype.quaternion)]
    body_length = sum(len(p) for p in parts)
    head += struct.pack("<I", body_length)
    return b"".join([bytes(head), *parts])


def _depth_image_body(img: DepthImage, encoding: str | None) -> list[bytes]:
    if encoding is None:
        encoding = "rvl" if img.datatype == "U16" else "raw"
    if encoding not in _ENCODINGS:
        raise ValidationError("DepthImage.encoding", f"{encoding!r} is not raw or rvl")
    if encoding == "rvl" and img.datatype != "U16":
        raise ValidationError("DepthImage.encoding", f"RVL carries U16 only, not {img.datatype}")
    fields = struct.pack(
        "<IIBBBBddd",
        img.width,
        img.height,
        DATATYPES[img.datatype][0],
        COLORMAP_IDS[img.colormap],
        _ENCODINGS[encoding],
        _FLAG_DEPTH_RANGE if img.depth_range is not None else 0,
        img.meter,
        img.point_fill_ratio,
        img.draw_order,
    )
    if img.depth_range is not None:
        fields += struct.pack("<dd", *img.depth_range)
    payload = rvl_encode(img.image) if encoding == "rvl" else img.image.tobytes()  # stored little-endian
    return [fields + struct.pack("<I", len(payload)), payload]


def _pinhole_body(p: Pinhole) -> bytes:
    flags = (
        (_FLAG_RESOLUTION if p.resolution is not None else 0)
        | (_FLAG_IMAGE_PLANE if p.image_plane_distance is not None else 0)
        | (_FLAG_DISTORTION if p.distortion is not None else 0)
    )
    out = struct.pack("<9d", *p.image_from_camera) + bytes(DIRECTION_IDS[c] for c in p.camera_xyz) + bytes([flags])
    if p.resolution is not None:
        out += struct.pack("<dd", *p.resolution)
    if p.image_plane_distance is not None:
        out += struct.pack("<d", p.image_plane_distance)
    if p.distortion is not None:
        model, coefficients = p.distortion
        out += struct.pack("<BB", DISTORTION_MODELS[model][0], len(coefficients))
        out += struct.pack(f"<{len(coefficients)}d", *coefficients)
    return out


class _Reader:
    """Bounds-checked little-endian reads: running past the end raises DecodeError("truncated")."""

    def __init__(self, data: memoryview, pos: int = 0) -> None:
        self.data = data
        self.pos = pos

    @property
    def remaining(self) -> int:
        return len(self.data) - self.pos

    def take(self, n: int, field: str) -> memoryview:
        if n > self.remaining:
            raise DecodeError("truncated", field, f"needs {n} bytes, {self.remaining} left")
        view = self.data[self.pos : self.pos + n]
        self.pos += n
        return view

    def unpack(self, fmt: str, field: str) -> tuple:
        size = struct.calcsize(fmt)
        return struct.unpack_from(fmt, self.take(size, field))

    def utf8(self, n: int, field: str) -> str:
        try:
            return bytes(self.take(n, field)).decode("utf-8")
        except UnicodeDecodeError:
            raise DecodeError("invalid-field", field, "not valid UTF-8") from None


def decode_message(data: bytes | bytearray | memoryview) -> Message:
    """Decode a whole message (RVL decoded); raises `DecodeError` for bad bytes, never anything else."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise DecodeError("invalid-field", "message", "not binary")
    view = memoryview(data).cast("B")
    if len(view) > MAX_MESSAGE_BYTES:
        raise DecodeError("too-large", "message", f"{len(view)} bytes exceeds {MAX_MESSAGE_BYTES}")
    r = _Reader(view)
    if bytes(r.take(4, "header.magic")) != MAGIC:
        raise DecodeError("bad-magic", "header.magic", "not a Depthroom message")
    (version,) = r.unpack("<B", "header.version")
    if version != PROTOCOL_VERSION:
        raise DecodeError("unsupported-version", "header.version", f"protocol {version}, this side speaks {PROTOCOL_VERSION}")
    (kind_id,) = r.unpack("<B", "header.kind")
    kind = KIND_BY_ID.get(kind_id)
    if kind is None:
        raise DecodeError("unknown-kind", "header.kind", f"unknown archetype kind {kind_id}")
    (kind_version,) = r.unpack("<B", "header.kindVersion")
    if not (kind_version == KIND_VERSION or (kind == "Pinhole" and kind_version == 2)):
        raise DecodeError("unsupported-version", "header.kindVersion", f"{kind} version {kind_version}")
    (flags,) = r.unpack("<B", "header.flags")
    if flags & ~_FLAG_STATIC:
        raise DecodeError("invalid-field", "header.flags", f"unknown flags {flags}")
    (path_length,) = r.unpack("<H", "entityPath")
    raw_path = r.utf8(path_length, "entityPath")
    try:
        if check_entity_path(raw_path) != raw_path:
            raise DecodeError("invalid-field", "entityPath", "not normalized")
    except ValidationError as error:
        raise DecodeError("invalid-field", "entityPath", str(error)) from None
    (count,) = r.unpack("<B", "timelines")
    if count > MAX_TIMELINES:
        raise DecodeError("invalid-field", "timelines", f"{count} timelines, at most {MAX_TIMELINES}")
    timelines = []
    for _ in range(count):
        (name_length,) = r.unpack("<B", "timelines.name")
        name = r.utf8(name_length, "timelines.name")
        if not TIMELINE_NAME.fullmatch(name):
            raise DecodeError("invalid-field", "timelines.name", f'bad name "{name}"')
        (kind_byte,) = r.unpack("<B", "timelines.kind")
        timeline_kind = {1: "sequence", 2: "timestamp"}.get(kind_byte)
        if timeline_kind is None:
            raise DecodeError("invalid-field", "timelines.kind", f"unknown timeline kind {kind_byte}")
        (value,) = r.unpack("<q", "timelines.value")
        timelines.append(TimePoint(name, timeline_kind, value))
    (body_length,) = r.unpack("<I", "body.length")
    if body_length != r.remaining:
        raise DecodeError(
            "truncated" if body_length > r.remaining else "trailing-bytes",
            "body.length",
            f"says {body_length} bytes, {r.remaining} follow",
        )
    try:
        if kind == "DepthImage":
            archetype: Archetype = _read_depth_image(r)
        elif kind == "Pinhole":
            archetype = _read_pinhole(r, kind_version)
        elif kind == "Image":
            archetype = _read_image(r)
        elif kind == "EncodedImage":
            archetype = _read_encoded_image(r)
        else:
            values = r.unpack("<7d", "Transform3D")
            archetype = Transform3D(translation=values[:3], quaternion=values[3:])
    except ValidationError as error:
        raise DecodeError("invalid-field", error.field or kind, str(error)) from None
    if r.remaining:
        raise DecodeError("trailing-bytes", kind, f"{r.remaining} bytes after the body")
    return Message(raw_path, tuple(timelines), archetype, bool(flags & _FLAG_STATIC), len(view))


def _read_size(r: _Reader, field: str) -> tuple[int, int]:
    """width, height: checked before anything is allocated for the pixels."""
    width, height = r.unpack("<II", field)
    if not (1 <= width <= MAX_IMAGE_DIMENSION and 1 <= height <= MAX_IMAGE_DIMENSION):
        raise DecodeError("too-large", field, f"{width} x {height} is outside 1..{MAX_IMAGE_DIMENSION}")
    if width * height > MAX_PIXELS:
        raise DecodeError("too-large", field, f"{width} x {height} exceeds {MAX_PIXELS} pixels")
    return width, height


def _read_depth_image(r: _Reader) -> DepthImage:
    width, height = _read_size(r, "DepthImage.width")
    datatype_id, colormap_id, encoding_id, flags = r.unpack("<BBBB", "DepthImage.datatype")
    datatype = DATATYPE_BY_ID.get(datatype_id)
    if datatype is None:
        raise DecodeError("invalid-field", "DepthImage.datatype", f"unknown datatype {datatype_id}")
    if not 1 <= colormap_id <= len(COLORMAPS):
        raise DecodeError("invalid-field", "DepthImage.colormap", f"unknown colormap {colormap_id}")
    if encoding_id not in (0, 1, 2, 3, 4):
        raise DecodeError("invalid-field", "DepthImage.encoding", f"unknown encoding {encoding_id}")
    if flags & ~_FLAG_DEPTH_RANGE:
        raise DecodeError("invalid-field", "DepthImage.flags", f"unknown flags {flags}")
    meter, fill, order = r.unpack("<ddd", "DepthImage.meter")
    depth_range = r.unpack("<dd", "DepthImage.depthRange") if flags & _FLAG_DEPTH_RANGE else None
    (payload_length,) = r.unpack("<I", "DepthImage.payload")
    payload = r.take(payload_length, "DepthImage.payload")
    pixels = width * height
    if encoding_id == 1:
        if datatype != "U16":
            raise DecodeError("invalid-field", "DepthImage.encoding", f"RVL with {datatype}")
        image = rvl_decode(payload, pixels).reshape(height, width)
    elif encoding_id == 2:
        if datatype != "U16":
            raise DecodeError("invalid-field", "DepthImage.encoding", f"MED-deflate with {datatype}")
        image = med_decode(payload, pixels, width).reshape(height, width)
    elif encoding_id == 3:
        if datatype != "F32":
            raise DecodeError("invalid-field", "DepthImage.encoding", f"float-deflate with {datatype}")
        image = float_decode(payload, pixels, width).reshape(height, width)
    elif encoding_id == 4:
        if datatype != "U16":
            raise DecodeError("invalid-field", "DepthImage.encoding", f"up-zstd with {datatype}")
        image = up_zstd_decode(payload, pixels, width).reshape(height, width)
    else:
        dtype = DATATYPES[datatype][1]
        if payload_length != pixels * dtype.itemsize:
            raise DecodeError(
                "invalid-field", "DepthImage.payload", f"{payload_length} bytes, expected {pixels * dtype.itemsize}"
            )
        image = np.frombuffer(payload, dtype=dtype).reshape(height, width)
    return DepthImage(
        image,
        meter=meter,
        colormap=COLORMAPS[colormap_id - 1],
        depth_range=depth_range,
        point_fill_ratio=fill,
        draw_order=order,
    )


def _read_pinhole(r: _Reader, version: int) -> Pinhole:
    matrix = r.unpack("<9d", "Pinhole.imageFromCamera")
    xyz = "".join(DIRECTION_LETTERS.get(b, "?") for b in r.take(3, "Pinhole.cameraXyz"))
    (flags,) = r.unpack("<B", "Pinhole.flags")
    known = _FLAG_RESOLUTION | _FLAG_IMAGE_PLANE | (_FLAG_DISTORTION if version >= 2 else 0)
    if flags & ~known:
        raise DecodeError("invalid-field", "Pinhole.flags", f"unknown flags {flags}")
    resolution = r.unpack("<dd", "Pinhole.resolution") if flags & _FLAG_RESOLUTION else None
    distance = r.unpack("<d", "Pinhole.imagePlaneDistance")[0] if flags & _FLAG_IMAGE_PLANE else None
    distortion = None
    if flags & _FLAG_DISTORTION:
        model_id, count = r.unpack("<BB", "Pinhole.distortion.model")
        model = next((name for name, (i, _) in DISTORTION_MODELS.items() if i == model_id), None)
        if model is None:
            raise DecodeError("invalid-field", "Pinhole.distortion.model", f"unknown model {model_id}")
        if count != DISTORTION_MODELS[model][1]:
            raise DecodeError(
                "invalid-field",
                "Pinhole.distortion.coefficients",
                f"{model} takes {DISTORTION_MODELS[model][1]} coefficients, got {count}",
            )
        distortion = (model, r.unpack(f"<{count}d", "Pinhole.distortion.coefficients"))
    return Pinhole(
        image_from_camera=list(matrix),
        resolution=resolution,
        camera_xyz=xyz,
        image_plane_distance=distance,
        distortion=distortion,
    )


def _read_image(r: _Reader) -> Image:
    width, height = _read_size(r, "Image.width")
    model_id, datatype_id, flags = r.unpack("<BBB", "Image.colorModel")
    model = COLOR_MODEL_BY_ID.get(model_id)
    if model is None:
        raise DecodeError("invalid-field", "Image.colorModel", f"unknown colour model {model_id}")
    datatype = DATATYPE_BY_ID.get(datatype_id)
    if datatype not in ("U8", "U16"):
        raise DecodeError("invalid-field", "Image.datatype", f"datatype {datatype or datatype_id} is not U8 or U16")
    if flags != 0:
        raise DecodeError("invalid-field", "Image.flags", f"unknown flags {flags}")
    opacity, order = r.unpack("<dd", "Image.opacity")
    (payload_length,) = r.unpack("<I", "Image.payload")
    channels = COLOR_MODELS[model][1]
    dtype = DATATYPES[datatype][1]
    expected = width * height * channels * dtype.itemsize
    if payload_length != expected:
        raise DecodeError("invalid-field", "Image.payload", f"{payload_length} bytes, expected {expected}")
    pixels = np.frombuffer(r.take(payload_length, "Image.payload"), dtype=dtype).reshape(height, width, channels)
    return Image(pixels, model, opacity=opacity, draw_order=order)


def _read_encoded_image(r: _Reader) -> EncodedImage:
    media_id, flags = r.unpack("<BB", "EncodedImage.mediaType")
    media_type = MEDIA_TYPE_BY_ID.get(media_id)
    if media_type is None:
        raise DecodeError("invalid-field", "EncodedImage.mediaType", f"unknown media type {media_id}")
    if flags != 0:
        raise DecodeError("invalid-field", "EncodedImage.flags", f"unknown flags {flags}")
    opacity, order = r.unpack("<dd", "EncodedImage.opacity")
    (length,) = r.unpack("<I", "EncodedImage.blob")
    blob = bytes(r.take(length, "EncodedImage.blob"))
    return EncodedImage(contents=blob, media_type=media_type, opacity=opacity, draw_order=order)
