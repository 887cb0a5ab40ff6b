"""What a gradable part is, for an engine that knows no LSTM.

A `Part` is declared once, by the course (grader/lstm/), with everything the
engine needs to grade it: its cases, its checker, the forward it
differentiates, the parts it calls and the mistakes it invites. The engine
receives `Part` objects and never looks a part up by name.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Literal

import numpy as np

if TYPE_CHECKING:
    from grader.engine.checks import PartContext
    from grader.engine.results import PartResult
    from grader.sandbox.calls import Call

Group = Literal["forward", "backward", "bonus"]
GROUPS: tuple[Group, ...] = ("forward", "backward", "bonus")
FORWARD_TOLERANCE = 1e-8
BACKWARD_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Case:
    """One set of inputs for a part.

    Args:
        label: how the case is named to the student, e.g. "N=3 D=4 H=6 (seed 1234)".
        args: the arguments of the student's function, in contract order.
        extra: inputs the grader needs beside the arguments (e.g. z for sigmoid_backward,
            or "forward_args", the inputs of the forward that makes a backward's cache).
        gradient_check: whether the numerical gradient check runs on this case.
    """

    label: str
    args: tuple[Any, ...]
    extra: dict[str, Any] = field(default_factory=dict)
    gradient_check: bool = False


@dataclass(frozen=True)
class NumericalSetup:
    """How to check a backward part against central differences of a forward.

    Args:
        forward_args: arguments of the forward function at the base point.
        upstream: (output index or None for the whole result, dL/d that output);
            the loss is L = sum over outputs of sum(upstream * output).
        targets: (gradient name, argument index, dict key or None, element-wise);
            element-wise targets are perturbed all at once (a diagonal Jacobian).
    """

    forward_args: tuple[Any, ...]
    upstream: tuple[tuple[int | None, np.ndarray], ...]
    targets: tuple[tuple[str, int, str | None, bool], ...]


@dataclass(frozen=True)
class Mistake:
    """One known mistake: a small edit of a reference solutions file.

    In a student release an entry has no edit (file, old and new are ""): what it
    gives was recorded when the release was built (grader.lstm.mistakes).

    Args:
        id: "<part>.<mistake>", e.g. "forget_gate.tanh_instead_of_sigmoid" (the report's `diagnosis`).
        file: the solutions file the variant edits.
        old: exact text of the reference, occurring once in that file.
        new: the mistaken text that replaces it.
        explanation: one sentence to the student, saying what they did and why it is wrong.
        equation: the equation it breaks, as the exercise states it.
        aliases: ids of other code that computes exactly the same numbers.
    """

    id: str
    file: str
    old: str
    new: str
    explanation: str
    equation: str
    aliases: tuple[str, ...] = ()

    @property
    def part(self) -> str:
        return self.id.split(".", 1)[0]

    def names(self, mistake_id: str) -> bool:
        """Whether this entry stands for `mistake_id`: itself or one of its aliases."""
        return mistake_id == self.id or mistake_id in self.aliases


Checker = Callable[["Part", "PartContext"], "PartResult"]


@dataclass(frozen=True, eq=False, repr=False)
class Part:
    """One gradable function of the contract.

    Args:
        name: the contract's function name; also the part's name.
        group: "forward", "backward" or "bonus".
        points: points for a full pass.
        arg_names: argument names in contract order (for messages).
        output_names: names of the returned values; "grads" expands to one gradient
            per name in `grad_keys`; "cache" stays in the child and is never compared.
        make_cases: seed -> cases.
        hint: one sentence that points the student in the right direction.
        checker: (part, context) -> PartResult.
        solution_file: the solutions (and exercises) file that holds the function.
        forward: for a backward part, the part it differentiates.
        local_forward: for a backward part whose forward no stub computes alone
            (np.tanh, the gate's affine map), that forward, run by the grader.
        local_forward_label: how that forward is named in messages.
        cache_from: for a backward part that takes a cache, the forward part that makes it;
            its outputs are checked first.
        cache_index: where the cache sits in `cache_from`'s outputs.
        numerical: builds the numerical gradient check from the gradient-check case.
        tolerance: the largest relative error that passes (by default FORWARD_TOLERANCE, or
            BACKWARD_TOLERANCE for a part with a forward or a cache_from).
        grad_keys: the keys of a "grads" output.
        warning_rule: for a part that must run without numpy warnings, the rule told to the student.
        calls: the parts whose functions this part's function calls, as the exercises wire them.
        mistakes: the catalogued mistakes of this part's own function.
        unnamed_mistakes: ids of mistakes of called parts that this part's numbers cannot tell apart.
        head_start: for a part whose first call runs long (a training loop): seed -> that call
            (`grader.sandbox.calls.Call`), started in a copy of the child as soon as the
            submission is imported, and collected when the part makes the same call, so it
            runs while the other parts are checked.
        localise: where the part's equations are wrong when no catalogued mistake explains it:
            (part, context, observations) -> Diagnosis or None, proved on numbers (probes run
            the student's function in the child on isolating inputs).
        diagnosis_calls: the reference calls (function, args) this part's own diagnosis makes
            beyond its cases' (probes of helpers, say); a student release records them.
    """

    name: str
    group: Group
    points: float
    arg_names: tuple[str, ...]
    output_names: tuple[str, ...]
    make_cases: Callable[[int], list[Case]]
    hint: str
    checker: Checker
    solution_file: str
    forward: Part | None = None
    local_forward: Callable[..., Any] | None = None
    local_forward_label: str = ""
    cache_from: Part | None = None
    cache_index: int = 2
    numerical: Callable[[Case], NumericalSetup] | None = None
    tolerance: float = 0.0
    grad_keys: tuple[str, ...] = ()
    warning_rule: str | None = None
    calls: tuple[Part, ...] = ()
    mistakes: tuple[Mistake, ...] = ()
    unnamed_mistakes: frozenset[str] = frozenset()
    head_start: Callable[[int], Call] | None = None
    localise: Callable[..., Any] | None = None
    diagnosis_calls: Callable[[], list[tuple[str, tuple[Any, ...]]]] | None = None

    def __post_init__(self) -> None:
        if not self.tolerance:
            # float64 code agrees with the reference to ~1e-13 in a forward (float32 inside shows at ~1e-7);
            # gradients of saturated cases cancel, so differently written correct backwards differ at ~1e-9
            differentiates = self.group == "backward" or self.forward is not None or self.cache_from is not None
            object.__setattr__(self, "tolerance", BACKWARD_TOLERANCE if differentiates else FORWARD_TOLERANCE)
        if self.group not in GROUPS:
            raise ValueError(f"part {self.name}: group must be one of {GROUPS}, not {self.group!r}")
        if "grads" in self.output_names and not self.grad_keys:
            raise ValueError(f"part {self.name}: a 'grads' output needs its grad_keys")

    def __repr__(self) -> str:
        return f"Part({self.name!r})"

    @property
    def kept_outputs(self) -> tuple[int, ...]:
        """Indices of outputs that stay in the child (the cache)."""
        return tuple(index for index, name in enumerate(self.output_names) if name == "cache")

    def callees(self) -> list[Part]:
        """Every part this one calls, directly or through another, nearest first."""
        found: list[Part] = []
        queue = list(self.calls)
        while queue:
            part = queue.pop(0)
            if part not in found:
                found.append(part)
                queue.extend(part.calls)
        return found

    def candidate_mistakes(self) -> list[Mistake]:
        """The mistakes that can show in this part: its own first, then those of the parts it calls."""
        return [mistake for part in [self, *self.callees()] for mistake in part.mistakes
                if mistake.id not in self.unnamed_mistakes]
