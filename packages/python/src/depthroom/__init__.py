"""depthroom: the Python client of Depthroom, with Rerun's words.

    import depthroom as dr
    rec = dr.connect("<publish link>")
    rec.log("world/camera", dr.Pinhole(focal_length=525.0, width=640, height=480), static=True)
    rec.set_time("frame", sequence=i)
    rec.log("world/camera/depth", dr.DepthImage(depth_u16, meter=1000.0))
"""

from .archetypes import DepthImage, EncodedImage, Image, Pinhole, Transform3D
from .errors import DecodeError, DepthroomError, ValidationError
from .message import Message, TimePoint, decode_message, encode_message
from .producer import RecordingStream, connect
from .subscriber import Subscription, subscribe

__all__ = [
    "DecodeError",
    "DepthImage",
    "DepthroomError",
    "EncodedImage",
    "Image",
    "Message",
    "Pinhole",
    "RecordingStream",
    "Subscription",
    "TimePoint",
    "Transform3D",
    "ValidationError",
    "connect",
    "decode_message",
    "encode_message",
    "subscribe",
]
__version__ = "0.1.0"
