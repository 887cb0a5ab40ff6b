"""The requests that call student functions, and `CallStream`: several calls in flight at once.

A part checks one function on several cases. Sent one at a time, the child
waits while the grader computes the reference and compares, and the grader
waits while the child computes: on two cores, half the time is idle.
`CallStream` writes the next requests while the grader works on the last
reply, so both run at once. The child still answers strictly in order and
each reply keeps its own deadline, counted from when the grader starts waiting
for it (after the previous reply), so a call is never given less time than
when it is sent alone.

No deadlock: the grader writes a request only while every request written and
not yet answered fits, with room to spare, in the pipe to the child (or when
none is in flight), so a write never blocks while the child waits for the
grader to read its replies. A request the session makes on its own meanwhile
(a restart's hello, a question asked between two answers) first reads the
replies in flight and keeps them for the stream.
"""
from __future__ import annotations

import fcntl
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator, Sequence

import numpy as np

from grader.child import protocol

if TYPE_CHECKING:
    from grader.sandbox.session import ChildSession, Reply

REPLY_FLOOR_BYTES = 4 * 1024 * 1024
REPLY_GROWTH = 16  # a reply may be this many times the inputs, plus the floor
MOST_IN_FLIGHT = 6  # requests written and not answered: enough to keep both sides busy
F_GETPIPE_SZ = 1032
DEFAULT_PIPE_BYTES = 65536

Request = tuple[dict[str, Any], list[np.ndarray], int]  # header, arrays, reply budget


def reply_budget(arrays: list[np.ndarray], copies: int = 1) -> int:
    """The most bytes a reply may hold: what a function of these inputs can sensibly return
    (`copies` times: perturb returns one output per perturbation), never gigabytes."""
    sent = sum(int(array.nbytes) for array in arrays)
    return REPLY_FLOOR_BYTES + REPLY_GROWTH * sent * max(copies, 1)


@dataclass(frozen=True)
class Call:
    """One call of a student function: `function(*args)`; the outputs at positions in `keep` stay in
    the child, under the names in `keep_as` when given (`protocol.kept_handle`), so that a later call,
    sent before this one's answer arrives, can take them as `Opaque(kept_handle(name), ...)`."""

    function: str
    args: Sequence[Any]
    arg_names: Sequence[str] | None = None  # for the child's list of arguments changed in place
    keep: tuple[int, ...] = ()
    keep_as: tuple[str, ...] = ()


def call_request(call: Call) -> Request:
    """The request that makes `call`."""
    arrays: list[np.ndarray] = []
    trees = [protocol.encode_value(arg, arrays) for arg in call.args]
    header = {"op": "call", "function": call.function, "args": trees,
              "arg_names": list(call.arg_names or ()) or None, "keep": list(call.keep)}
    if call.keep_as:
        header["keep_as"] = list(call.keep_as)
    return header, arrays, reply_budget(arrays)


def call_fingerprint(header: Request, arrays: list[np.ndarray]) -> bytes:
    """The encoded request of a call (`call_request`), to tell the same call made twice."""
    return protocol.encode_message(header, arrays)


@dataclass(frozen=True)
class Perturb:
    """`function` called once per perturbation of `args` (grader.engine.gradcheck plans them), the
    `outputs` stacked; it may take `slower` times a call's timeout."""

    function: str
    args: Sequence[Any]
    perturbations: Sequence[tuple[int, str | None, int, Any]]
    outputs: list[int | None]
    slower: float = 3.0


def perturb_request(perturb: Perturb) -> Request:
    """The request that makes `perturb`."""
    arrays: list[np.ndarray] = []
    trees = [protocol.encode_value(arg, arrays) for arg in perturb.args]
    return ({"op": "perturb", "function": perturb.function, "args": trees,
             "perturbations": protocol.encode_perturbations(perturb.perturbations, arrays),
             "outputs": perturb.outputs},
            arrays, reply_budget(arrays, copies=len(perturb.perturbations) * max(len(perturb.outputs), 1)))


def request_for(item: Call | Perturb) -> Request:
    return call_request(item) if isinstance(item, Call) else perturb_request(item)


def time_for(item: Call | Perturb, timeout: float) -> float:
    """The seconds `item` may take when a call may take `timeout`."""
    return timeout * item.slower if isinstance(item, Perturb) else timeout


def pipe_capacity(pipe: Any) -> int:
    """Bytes the pipe to the child holds (the kernel may give a pipe less than the usual 64 KiB)."""
    try:
        return int(fcntl.fcntl(pipe.fileno(), F_GETPIPE_SZ))
    except (OSError, ValueError, AttributeError):
        return DEFAULT_PIPE_BYTES


class CallStream:
    """Replies to `items`, in order, each within its time (`time_for`) of the previous one.

    Iterating yields each `Reply`, or raises ChildTimeout / ChildDied where that
    call failed (the child is then dead, and the rest is dropped). `close`
    waits for the replies nobody asked for, so the next request finds the
    child idle; one that does not come in time kills the child, as any timeout. When the session
    makes another request meanwhile, it reads the replies in flight first (`wait_out`), so no reply
    is taken for another's and none is lost.
    """

    def __init__(self, session: ChildSession, items: Sequence[Call | Perturb], timeout: float) -> None:
        self.session = session
        self.pending = deque((request_for(item), time_for(item, timeout)) for item in items)
        self.in_flight: deque[tuple[int, int, int, float]] = deque()  # (request id, bytes, reply budget, seconds)
        self.room: int | None = None  # known once the child runs: it may be started after this stream
        self.head: tuple[int, bytes] | None = None  # the next request, encoded with its id
        self.closed = False
        self.received: deque[Reply | Exception] = deque()  # replies read early (`wait_out`), in order

    def __iter__(self) -> Iterator[Reply]:
        return self

    def __next__(self) -> Reply:
        if self.closed:
            raise RuntimeError("a reply was asked of calls already closed")
        if self.received:
            reply = self.received.popleft()
            if isinstance(reply, Exception):
                raise reply
            return reply
        self.fill()
        if not self.in_flight:
            raise StopIteration
        request_id, _, budget, seconds = self.in_flight.popleft()
        try:
            return self.session.receive(request_id, seconds, budget)
        except BaseException:
            self.abandon()
            raise

    def fill(self) -> None:
        """Write the next requests while they fit (at least one when nothing is in flight), in one write."""
        if self.room is None and self.session.process is not None:
            self.room = pipe_capacity(self.session.process.stdin) // 4
        messages = []
        used = sum(size for _, size, _, _ in self.in_flight)
        while self.pending and len(self.in_flight) < MOST_IN_FLIGHT:
            (header, arrays, budget), seconds = self.pending[0]
            request_id = self.session.request_count + 1
            if self.head is None or self.head[0] != request_id:
                self.head = (request_id, protocol.encode_message(dict(header, id=request_id), arrays))
            message = self.head[1]  # encoded once, however often it waits for room
            if self.in_flight and used + len(message) > (self.room or 0):
                break
            self.pending.popleft()
            self.head = None
            self.session.next_id()
            messages.append(message)
            used += len(message)
            self.in_flight.append((request_id, len(message), budget, seconds))
        if not messages:
            return
        try:
            self.session.send(b"".join(messages))
        except BaseException:
            self.abandon()
            raise

    def wait_out(self) -> None:
        """Read the replies in flight now, keeping them for `__next__`, so that another request can be
        made (the session calls this before any request of its own); what is pending is sent later."""
        while self.in_flight:
            request_id, _, budget, seconds = self.in_flight.popleft()
            try:
                self.received.append(self.session.receive(request_id, seconds, budget))
            except Exception as error:  # noqa: BLE001  (ChildTimeout, ChildDied: raised where that call is asked for)
                self.received.append(error)
                self.abandon()

    def abandon(self) -> None:
        """After a call failed (the child is killed): nothing is owed, nothing more is sent."""
        self.pending.clear()
        self.in_flight.clear()

    def close(self) -> None:
        """Wait out the replies still in flight, and send nothing more."""
        self.closed = True
        if self.session.stream is self:
            self.session.stream = None
        self.pending.clear()
        self.received.clear()
        while self.in_flight:
            request_id, _, budget, seconds = self.in_flight.popleft()
            try:
                self.session.receive(request_id, seconds, budget)
            except Exception:  # noqa: BLE001  (ChildTimeout, ChildDied: the child is killed; nothing is owed)
                self.in_flight.clear()

    def __enter__(self) -> CallStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
