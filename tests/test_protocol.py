import io
import struct

import numpy as np
import pytest

from grader.child import protocol


def round_trip(header, arrays):
    stream = io.BytesIO()
    protocol.send_message(stream, header, arrays)
    stream.seek(0)
    return protocol.receive_message(stream)


def test_values_round_trip_as_plain_arrays():
    arrays = []
    value = (np.ones((2, 3)), {"W_f": np.zeros(4)}, [1.5, None])
    tree = protocol.encode_value(value, arrays)
    header, received = round_trip({"value": tree}, arrays)
    decoded = protocol.decode_value(header["value"], received)
    assert type(decoded[0]) is np.ndarray and decoded[0].shape == (2, 3)
    assert decoded[1]["W_f"].shape == (4,)
    assert decoded[2] == [1.5, None]


def test_subclass_is_rebuilt_as_plain_ndarray():
    class Lying(np.ndarray):
        def __eq__(self, other):
            return True

    lying = np.arange(3.0).view(Lying)
    header, received = round_trip({}, [lying])
    assert type(received[0]) is np.ndarray


def frame(descriptor: bytes, shape: tuple[int, ...], data: bytes) -> bytes:
    """An array frame as anyone could forge it."""
    return (protocol.ARRAY_HEADER.pack(protocol.ARRAY_MAGIC, descriptor.ljust(4), len(shape))
            + struct.pack(f"<{len(shape)}q", *shape) + data)


@pytest.mark.parametrize("array", [
    np.arange(6.0).reshape(2, 3), np.arange(6, dtype=">f8"), np.array(2.5), np.zeros((0, 3)),
    np.array([True, False]), np.arange(4, dtype=np.int8), np.arange(3, dtype=np.uint64),
    np.ones(2, dtype=np.float32), np.array([1 + 2j]), np.asfortranarray(np.arange(6.0).reshape(2, 3)),
    np.arange(10.0)[::3],
])
def test_numeric_arrays_round_trip_exactly(array):
    back = protocol.array_from_bytes(protocol.array_to_bytes(array))
    assert type(back) is np.ndarray and back.dtype == array.dtype and back.shape == array.shape
    np.testing.assert_array_equal(back, array)
    assert back.flags.writeable and back.flags.c_contiguous


def test_object_arrays_are_refused():
    payload = io.BytesIO()
    np.save(payload, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(protocol.ProtocolError):
        protocol.array_from_bytes(payload.getvalue())  # a .npy payload is no frame
    with pytest.raises(TypeError):
        protocol.array_to_bytes(np.array([{"a": 1}], dtype=object))
    for descriptor in (b"|O8", b"<U4", b"|V8", b"<M8", b"|S3", b"<f8x", b"f8", b"<f0", b"<c1", b"<f3", b"<b2"):
        with pytest.raises(protocol.ProtocolError):
            protocol.array_from_bytes(frame(descriptor, (1,), b"\0" * 8))


@pytest.mark.parametrize("shape, data", [
    ((3,), b"\0" * 8),              # says 3 floats, carries 1
    ((1,), b"\0" * 16),             # carries more than it says
    ((-1,), b""),                    # a negative dimension
    ((10**6, 10**6), b""),           # over the element limit
    ((1,) * 9, b"\0" * 8),          # over the dimension limit
])
def test_lying_array_frames_are_refused(shape, data):
    with pytest.raises(protocol.ProtocolError):
        protocol.array_from_bytes(frame(b"<f8", shape, data))


def test_cut_array_frames_are_refused():
    whole = protocol.array_to_bytes(np.ones((2, 2)))
    for cut in (0, 5, protocol.ARRAY_HEADER.size + 3, len(whole) - 1):
        with pytest.raises(protocol.ProtocolError):
            protocol.array_from_bytes(whole[:cut])


def test_oversized_frame_is_refused_before_reading():
    stream = io.BytesIO(protocol.HEADER.pack(protocol.MAX_FRAME_BYTES + 1) + b"x")
    with pytest.raises(protocol.ProtocolError):
        protocol.read_frame(stream)


def test_truncated_stream_is_end_of_file():
    stream = io.BytesIO(protocol.HEADER.pack(10) + b"abc")
    with pytest.raises(EOFError):
        protocol.read_frame(stream)


def test_array_reference_out_of_range_is_refused():
    with pytest.raises(protocol.ProtocolError):
        protocol.decode_value({"array": 3}, [])


def test_handles_decode_to_opaque_markers():
    value = protocol.decode_value({"handle": "h2", "type": "tuple"}, [])
    assert value == protocol.Opaque("h2", "tuple")


def test_a_reply_over_its_budget_is_refused_before_it_is_read() -> None:
    import io
    import json as json_module

    from grader.child.protocol import HEADER, Budget, ProtocolError, receive_message

    header = json_module.dumps({"status": "ok", "n_arrays": 4096}).encode()

    class Announcer(io.RawIOBase):
        """A stream that announces a 256 MiB frame and would then send it, counting what is read."""

        def __init__(self) -> None:
            self.data = HEADER.pack(len(header)) + header + HEADER.pack(256 * 2**20)
            self.position = 0

        def read(self, size: int = -1) -> bytes:
            chunk = self.data[self.position:self.position + size] or b"\0" * min(size, 2**20)
            self.position += len(chunk)
            return chunk

    stream = Announcer()
    with pytest.raises(ProtocolError, match="over its budget"):
        receive_message(stream, Budget(4 * 2**20))
    assert stream.position <= len(stream.data)  # nothing of the announced frame was read
