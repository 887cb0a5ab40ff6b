"""What the checkers need from whatever runs the student's functions.

The engine never starts a process itself: it talks to a `Runner`. In grading,
the runner is `grader.sandbox.session.ChildSession`, which sends each request
to a confined child process. The engine's own unit tests use an in-process
fake (`tests/fake_runner.py`) that answers the same requests with the same
replies, for trusted code only. Anything that has these methods and this
attribute can grade; nothing else about a session is used by the checkers.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, ContextManager, Iterator, Protocol, Sequence, runtime_checkable

from grader.sandbox.launch import DEFAULT_TIMEOUT

if TYPE_CHECKING:
    from grader.engine.gradcheck import Perturbation
    from grader.sandbox import LoadResult, Reply
    from grader.sandbox.calls import Call, Perturb


@runtime_checkable
class Runner(Protocol):
    """Runs the student's functions on the grader's inputs and answers with plain data.

    Every request may raise `grader.sandbox.session.ChildTimeout` (no answer in
    time) or `grader.sandbox.session.ChildDied` (the runner stopped before it
    answered); any other outcome, a student exception included, is a `Reply`
    whose header says what happened.

    `isinstance(thing, Runner)` checks that the members are there, not their types.

    Attributes:
        load_timeout: seconds allowed for importing the submission, as messages name it.
    """

    load_timeout: float

    def ensure_started(self) -> LoadResult:
        """Import the submission unless that is done; says which functions it defines."""
        ...

    def call(self, function: str, args: list[Any], *, arg_names: list[str] | None = None,
             keep: tuple[int, ...] = (), timeout: float = DEFAULT_TIMEOUT) -> Reply:
        """Call `function(*args)` once.

        Args:
            function: the student function's name.
            args: the arguments, arrays copied in as they travel.
            arg_names: the arguments' names, for the "modified" list of inputs changed in place.
            keep: positions of returned items that stay with the runner (a cache);
                the reply holds a handle for each, to pass back in a later call.
            timeout: seconds the call may take.

        Returns:
            A reply whose header holds "status" ("ok", "missing", "not_implemented",
            "error"), and when "ok" the encoded "value", "modified", "warnings" and
            "output"; the arrays it refers to are in `Reply.arrays`.
        """
        ...

    def calls(self, items: Sequence[Call | Perturb], *, timeout: float = DEFAULT_TIMEOUT
              ) -> ContextManager[Iterator[Reply]]:
        """Make `items` (`grader.sandbox.calls.Call` and `Perturb`) in order: a context manager whose
        value yields each reply, as `call` or `perturb` would give it.

        The calls may run while the caller is still looking at earlier replies
        (`grader.sandbox.calls.CallStream`), and a call may take an object an
        earlier one kept (`Call.keep_as`); leaving the block waits out what is
        left, so the next request finds the runner idle. A call that fails raises
        there, as `call` would, and no reply follows it.
        """
        ...

    def perturb(self, function: str, args: list[Any], perturbations: Sequence[Perturbation],
                outputs: list[int | None], *, timeout: float = DEFAULT_TIMEOUT) -> Reply:
        """Call `function` once per perturbation of `args`.

        Each perturbation is (argument index, dict key or None, flat element index
        or -1 for the whole array, delta), as `grader.engine.gradcheck` plans them.

        Returns:
            A reply whose arrays hold, for each entry of `outputs` (an output index,
            or None for the whole result), that output at every perturbation, stacked.
        """
        ...

    def reset(self) -> None:
        """Forget the objects kept for the part just graded."""
        ...

    def kill(self) -> None:
        """Stop at once; the next request starts afresh."""
        ...
