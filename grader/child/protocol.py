"""The wire format between the grading parent and the child that runs student code.

A message is one JSON header followed by zero or more numpy arrays, each a
length-prefixed frame. An array travels as its dtype descriptor (booleans,
integers, floats, complex numbers only), its shape and its raw elements,
read back with `numpy.frombuffer`: nothing executable ever crosses (no
pickle, no object dtype), and the parent only ever sees plain
`numpy.ndarray` objects it rebuilt itself. (`.npy` framing did the same job
at several times the cost: its header is parsed with `ast.literal_eval`.)

Values are encoded as JSON trees whose leaves point into the array list:

    {"array": k}                    the k-th array frame
    {"seq": [...], "kind": "tuple"} a tuple or list
    {"dict": {"key": value, ...}}
    {"handle": "h3", "type": "list"} an object left in the child (a cache)
    {"scalar": 1.5, "type": "float"} a Python number
    {"none": true}

The headers of the requests and replies are described below as TypedDicts:
one request per operation, and one reply header whose fields depend on the
operation that asked for it.
"""
from __future__ import annotations

import json
import math
import re
import struct
from dataclasses import dataclass
from typing import Any, BinaryIO, Iterable, Literal, Mapping, Sequence, TypedDict, Union

import numpy as np

HEADER = struct.Struct(">Q")
MAX_FRAME_BYTES = 256 * 1024 * 1024
MAX_HEADER_BYTES = 4 * 1024 * 1024
MAX_ARRAYS = 4_096
MAX_ARRAY_ELEMENTS = 10_000_000
MAX_DIMENSIONS = 8
MAX_TREE_NODES = 100_000
ALLOWED_DTYPE_KINDS = "biufc"


class ProtocolError(Exception):
    """The other side sent something that is not a valid message."""


ValueTree = dict[str, Any]  # one encoded value, see the module docstring


class Envelope(TypedDict, total=False):
    """Added to every header on its way: `id` pairs a reply with its request
    (the child echoes it), `n_arrays` counts the array frames that follow."""

    id: int
    n_arrays: int


class HelloRequest(Envelope):
    """Before any student file: how is the child confined, and what does it run?"""

    op: Literal["hello"]


class LoadRequest(Envelope):
    """Import student files by path; `search_path` is appended to the child's sys.path."""

    op: Literal["load"]
    files: list[str]
    module_names: list[str]
    search_path: str | None


class CallRequest(Envelope, total=False):
    """Call a student function; outputs at positions in `keep` stay in the child as handles,
    named by `keep_as` when given (so a later request, sent before this one is answered,
    can pass them back). With `ahead`, a copy of the child (fork) makes the call while
    the child serves other requests; it answers at once with `started`, and `collect`
    later gets the call's reply."""

    op: Literal["call"]
    function: str
    args: list[ValueTree]
    arg_names: list[str] | None
    keep: list[int]
    keep_as: list[str]
    ahead: bool


class PerturbRequest(Envelope):
    """Call a function once per [argument index, dict key or None, flat index or -1, delta];
    `outputs` picks the outputs to stack (None: the whole result). A delta is a number, or
    with flat index -1 an array tree: a step along a direction, added to the whole argument."""

    op: Literal["perturb"]
    function: str
    args: list[ValueTree]
    perturbations: list[list[Any]]
    outputs: list[int | None]


class ControlRequest(Envelope):
    """reset: forget the handles kept for the last part. collect: the reply of the call made
    ahead ("died" with the copy's exit `code` when it ended without one)."""

    op: Literal["reset", "collect"]


Request = Union[HelloRequest, LoadRequest, CallRequest, PerturbRequest, ControlRequest]


class Confinement(TypedDict):
    """What holds the child: the Landlock ABI applied (0: none), the seccomp filter, and
    what failed (a child with errors runs no student code)."""

    landlock: int
    seccomp: bool
    errors: list[str]


class FileProblem(TypedDict):
    """A student file that could not be imported, and why."""

    file: str
    error: str


Status = Literal["ok", "missing", "not_implemented", "error", "protocol_error", "died"]


class ReplyHeader(Envelope, total=False):
    """A reply: always a `status`; the other fields by operation.

    hello: confinement, python, numpy. load: problems, output, functions.
    call: output, and value, modified, warnings when "ok", error when "error".
    perturb: output (the stacked outputs are the arrays), error when "error".
    call ahead: started. collect: a call's fields and the seconds it took in the copy,
    or code when "died".
    """

    status: Status
    confinement: Confinement
    python: str
    numpy: str
    problems: list[FileProblem]
    functions: list[str]
    output: str
    value: ValueTree
    modified: list[str]
    warnings: list[str]
    error: str
    started: bool
    code: int | None
    seconds: float


def kept_handle(name: str) -> str:
    """The handle of an object kept under a name the grader chose (`keep_as`): never one of the
    child's own ("h0", "h1", ...)."""
    return f"kept-{name}"


@dataclass(frozen=True)
class Opaque:
    """An object the student returned that stays in the child (e.g. a cache)."""

    handle: str
    type_name: str


def read_exactly(stream: BinaryIO, size: int) -> bytes:
    chunk = stream.read(size)
    if len(chunk) == size:  # nearly always: the whole frame is there
        return chunk
    if not chunk:
        raise EOFError("the other side closed the channel")
    chunks = [chunk]
    remaining = size - len(chunk)
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            raise EOFError("the other side closed the channel")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_frame(stream: BinaryIO, limit: int = MAX_FRAME_BYTES) -> bytes:
    (size,) = HEADER.unpack(read_exactly(stream, HEADER.size))
    if size > limit:
        raise ProtocolError(f"a reply of {size} bytes is over its budget of {max(limit, 0)} bytes")
    return read_exactly(stream, size)


ARRAY_MAGIC = b"LSTMARR1"
ARRAY_HEADER = struct.Struct("<8s4sB")  # magic, dtype descriptor ("<f8", "|b1", ...), number of dimensions
DTYPE_DESCRIPTOR = re.compile(rb"[<>|][biufc][1-9][0-9]?")


def array_to_bytes(array: np.ndarray) -> bytes:
    """An array frame: a fixed header, the shape as little-endian int64s, then the raw elements (C order)."""
    prefix = _FRAME_PREFIXES.get((array.dtype, array.ndim)) or frame_prefix(array.dtype, array.ndim)
    # more dimensions than MAX_DIMENSIONS still travel, and the reader refuses them
    shape = _SHAPES[array.ndim] if array.ndim <= MAX_DIMENSIONS else struct.Struct(f"<{array.ndim}q")
    return prefix + shape.pack(*array.shape) + array.tobytes(order="C")


_FRAME_PREFIXES: dict[tuple[np.dtype, int], bytes] = {}  # (dtype, ndim) -> the frame's fixed header


def frame_prefix(dtype: np.dtype, ndim: int) -> bytes:
    descriptor = dtype.str.encode("ascii")
    if dtype.kind not in ALLOWED_DTYPE_KINDS or not DTYPE_DESCRIPTOR.fullmatch(descriptor):
        raise TypeError(f"arrays of dtype {dtype} cannot travel")
    _FRAME_PREFIXES[(dtype, ndim)] = ARRAY_HEADER.pack(ARRAY_MAGIC, descriptor.ljust(4), ndim)
    return _FRAME_PREFIXES[(dtype, ndim)]


def array_from_bytes(data: bytes) -> np.ndarray:
    """Rebuild an array from its frame, refusing anything but plain numbers and huge or lying sizes.

    The dtype comes from a descriptor that names only booleans, integers, floats
    and complex numbers; the elements are copied out as raw bytes, so nothing is
    ever interpreted but numbers, and the array is a fresh, writable ndarray.
    """
    if len(data) < ARRAY_HEADER.size:
        raise ProtocolError("not an array frame: too short")
    magic, descriptor, ndim = ARRAY_HEADER.unpack_from(data)
    if magic != ARRAY_MAGIC:
        raise ProtocolError("not an array frame")
    dtype = _ACCEPTED_DTYPES.get(descriptor) or accepted_dtype(descriptor)
    if ndim > MAX_DIMENSIONS:
        raise ProtocolError(f"an array of {ndim} dimensions is over the size limits")
    start = ARRAY_HEADER.size + 8 * ndim
    if len(data) < start:
        raise ProtocolError("array frame cut short in its shape")
    shape = _SHAPES[ndim].unpack_from(data, ARRAY_HEADER.size)
    count = math.prod(shape)
    if min(shape, default=0) < 0 or count > MAX_ARRAY_ELEMENTS:
        raise ProtocolError(f"array of shape {shape} is over the size limits")
    if len(data) - start != count * dtype.itemsize:
        raise ProtocolError(f"array frame of {len(data) - start} bytes for shape {shape} and dtype {dtype}")
    return np.frombuffer(data, dtype=dtype, count=count, offset=start).reshape(shape).copy()


_SHAPES = [struct.Struct(f"<{ndim}q") for ndim in range(MAX_DIMENSIONS + 1)]
_ACCEPTED_DTYPES: dict[bytes, np.dtype] = {}  # padded descriptor -> its dtype, once it was accepted


def accepted_dtype(padded: bytes) -> np.dtype:
    """The dtype a frame's descriptor names, when it is one of plain numbers; remembered."""
    descriptor = padded.rstrip(b" ")
    if not DTYPE_DESCRIPTOR.fullmatch(descriptor):
        raise ProtocolError(f"arrays of dtype {descriptor[:8]!r} are not accepted")
    try:
        dtype = np.dtype(descriptor.decode("ascii"))
    except (TypeError, ValueError) as error:
        raise ProtocolError(f"arrays of dtype {descriptor!r} are not accepted") from error
    if dtype.kind not in ALLOWED_DTYPE_KINDS or dtype.fields is not None or dtype.subdtype is not None:
        raise ProtocolError(f"arrays of dtype {dtype} are not accepted")
    _ACCEPTED_DTYPES[padded] = dtype
    return dtype


def encode_message(header: Mapping[str, Any], arrays: list[np.ndarray]) -> bytes:
    """A whole message as it travels: the JSON header's frame, then one frame per array."""
    frames = [json.dumps(dict(header, n_arrays=len(arrays))).encode()]
    frames += [array_to_bytes(array) for array in arrays]
    return b"".join(HEADER.pack(len(frame)) + frame for frame in frames)


def send_message(stream: BinaryIO, header: Mapping[str, Any], arrays: list[np.ndarray]) -> None:
    stream.write(encode_message(header, arrays))
    stream.flush()


class Budget:
    """Bytes a reader will still accept, shared by every frame of one request's replies
    (stale frames included), so no sender can make the reader hold or read more."""

    def __init__(self, limit: int) -> None:
        self.left = limit

    def take(self, stream: BinaryIO, limit: int) -> bytes:
        frame = read_frame(stream, min(limit, self.left))
        self.left -= len(frame) + HEADER.size
        return frame


def receive_message(stream: BinaryIO, budget: Budget | None = None) -> tuple[dict[str, Any], list[np.ndarray]]:
    """Read one message; with a `budget`, a frame over what is left is refused before it is read."""
    budget = budget or Budget(MAX_HEADER_BYTES + MAX_ARRAYS * MAX_FRAME_BYTES)
    try:
        header = json.loads(budget.take(stream, MAX_HEADER_BYTES).decode())
    except (UnicodeDecodeError, ValueError, RecursionError) as error:  # ValueError: also huge ints
        raise ProtocolError(f"malformed header: {str(error)[:200]}") from error
    if not isinstance(header, dict) or type(header.get("n_arrays")) is not int:
        raise ProtocolError("header is not a message")
    if not 0 <= header["n_arrays"] <= MAX_ARRAYS:
        raise ProtocolError(f"a message may carry at most {MAX_ARRAYS} arrays")
    arrays = [array_from_bytes(budget.take(stream, MAX_FRAME_BYTES)) for _ in range(header["n_arrays"])]
    return header, arrays


def encode_value(value: Any, arrays: list[np.ndarray]) -> ValueTree:
    """Encode arrays, tuples, lists, dicts and numbers; used by the parent for inputs."""
    if isinstance(value, Opaque):
        return {"handle": value.handle, "type": value.type_name}
    if isinstance(value, np.ndarray):
        arrays.append(value)
        return {"array": len(arrays) - 1}
    if isinstance(value, (tuple, list)):
        kind = "tuple" if isinstance(value, tuple) else "list"
        return {"seq": [encode_value(item, arrays) for item in value], "kind": kind}
    if isinstance(value, dict):
        return {"dict": {str(key): encode_value(item, arrays) for key, item in value.items()}}
    if value is None:
        return {"none": True}
    if isinstance(value, (bool, int, float)):
        return {"scalar": value, "type": type(value).__name__}
    raise TypeError(f"cannot encode {type(value).__name__}")


def encode_perturbations(perturbations: Iterable[Sequence[Any]], arrays: list[np.ndarray]) -> list[list[Any]]:
    """The perturbations as JSON: a delta that is an array travels in `arrays`, as a tree."""
    return [[argument, key, flat_index, encode_value(delta, arrays) if isinstance(delta, np.ndarray) else delta]
            for argument, key, flat_index, delta in perturbations]


def decode_delta(delta: Any, arrays: list[np.ndarray]) -> Any:
    """A perturbation's delta: a number as it came, an array from its tree."""
    if isinstance(delta, dict):
        return decode_value(delta, arrays)
    if type(delta) not in (int, float):
        raise ProtocolError("a perturbation's delta is neither a number nor an array")
    return delta


def decode_value(tree: Any, arrays: list[np.ndarray], depth: int = 0, budget: list[int] | None = None) -> Any:
    """Rebuild a value from its JSON tree; handles become `Opaque` markers.

    Every node is checked for its exact JSON type, and a tree may hold at most
    MAX_TREE_NODES nodes, so a forged header can only fail, never mislead.
    """
    budget = [MAX_TREE_NODES] if budget is None else budget
    budget[0] -= 1
    if depth > 20 or budget[0] < 0 or not isinstance(tree, dict):
        raise ProtocolError("value tree is malformed, too deep or too large")
    if "array" in tree:
        index = tree["array"]
        if type(index) is not int or not 0 <= index < len(arrays):
            raise ProtocolError("array reference out of range")
        return arrays[index]
    if "seq" in tree:
        if not isinstance(tree["seq"], list):
            raise ProtocolError("sequence is not a list")
        items = [decode_value(item, arrays, depth + 1, budget) for item in tree["seq"]]
        return tuple(items) if tree.get("kind") == "tuple" else items
    if "dict" in tree:
        if not isinstance(tree["dict"], dict):
            raise ProtocolError("mapping is not an object")
        return {str(key): decode_value(item, arrays, depth + 1, budget) for key, item in tree["dict"].items()}
    if "handle" in tree:
        return Opaque(str(tree["handle"]), str(tree.get("type", "object")))
    if "scalar" in tree:
        scalar = tree["scalar"]
        if type(scalar) not in (int, float, bool):
            raise ProtocolError("scalar is not a number")
        return scalar
    if "none" in tree:
        return None
    raise ProtocolError(f"unknown value kind {sorted(tree)}")
