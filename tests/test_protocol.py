import io

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


def test_object_arrays_are_refused():
    payload = io.BytesIO()
    np.save(payload, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(protocol.ProtocolError):
        protocol.array_from_bytes(payload.getvalue())


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
