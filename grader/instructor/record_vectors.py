"""Recording the public vectors: the reference's answers on the public cases, for a student release.

The maintainer grades the solutions once at the public seed through a
`RecordingReference`, which notes every call the grader makes to the reference
(a digest of the arguments -> the outputs), together with what every mistake
that can show in that function gives on the same arguments;
`grader.engine.vectors` saves and replays them.
"""
from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any, Callable

import numpy as np

from grader.engine.diagnose import run_recording
from grader.engine.parts import Mistake, Part
from grader.engine.reference import CacheGiven, SolutionsReference
from grader.engine.variants import exception_line
from grader.engine.vectors import FORMAT_VERSION, PUBLIC_SEED, Recorder, VectorError, cache_key, digest, variant_key
from grader.lstm import all_parts
from grader.lstm.grading import grade


def mistakes_by_function(parts: tuple[Part, ...]) -> dict[str, list[Mistake]]:
    """Which mistakes the diagnosis runs in which reference function: a part's candidates in the
    part's own function, and a part's own mistakes in the functions of its diagnosis calls."""
    found: dict[str, list[Mistake]] = {}
    for part in parts:
        # a part with a diagnosis of its own (diagnosis_calls) compares only its own mistakes
        found.setdefault(part.name, []).extend(part.mistakes if part.diagnosis_calls else part.candidate_mistakes())
        for function, _ in part.diagnosis_calls() if part.diagnosis_calls else ():
            found.setdefault(function, []).extend(part.mistakes)
    return {name: list(dict.fromkeys(mistakes)) for name, mistakes in found.items()}


def without_cache(part: Part | None, value: Any) -> Any:
    """A part's value with the cache it returns left out: the diagnosis never compares a cache."""
    if part is None or not part.kept_outputs or not isinstance(value, (tuple, list)):
        return value
    return type(value)(None if index in part.kept_outputs else item for index, item in enumerate(value))


class RecordingReference:
    """A reference source that notes every call (args digest -> outputs), and what each mistake
    that can show in the called function gives on the same arguments."""

    def __init__(self, reference: SolutionsReference, seed: int,
                 mistakes: dict[str, list[Mistake]] | None = None) -> None:
        self.reference = reference
        self.folder: Path | None = reference.folder
        self.seed = seed
        self.recorder = Recorder()
        self.calls: dict[str, dict[str, Any]] = {}
        self.variants: dict[str, dict[str, Any]] = {}
        self.mistaken_caches: dict[str, dict[str, Any]] = {}
        self.made_by: dict[int, tuple[Any, ...]] = {}  # id of a forward's cache -> the forward's arguments
        self.kept: list[Any] = []  # every result, so no id() in made_by is reused
        self.mistakes = mistakes if mistakes is not None else mistakes_by_function(all_parts())
        self.parts = {part.name: part for part in all_parts()}
        self.fixed_seed: int | None = None
        self.notes: tuple[str, ...] = ()

    def __call__(self, name: str) -> Callable[..., Any]:
        function = self.reference(name)

        def recorded(*args: Any) -> Any:
            key = digest(args, self.recorder.tokens)
            if key not in self.calls.get(name, {}):
                self.record_variants(name, args, key)
                self.record_mistaken_caches(name, args)
            result = function(*args)
            self.calls.setdefault(name, {})[key] = self.recorder.encode(result)
            self.made_by[id(result[-1] if isinstance(result, tuple) and result else result)] = args
            self.kept.append(result)
            return result

        return recorded

    def variant(self, mistake: Mistake, name: str) -> Callable[..., Any]:
        return self.reference.variant(mistake, name)

    def record_variants(self, name: str, args: tuple[Any, ...], key: str) -> None:
        """Each mistake of `name` on copies of `args`: its value and warnings, or its exception."""
        part = self.parts.get(name)
        for mistake in self.mistakes.get(name, ()):
            try:
                value, warned = run_recording(self.reference.variant(mistake, name), copy.deepcopy(args))
                entry = {"value": self.recorder.encode(without_cache(part, value)), "warnings": sorted(warned)}
            except Exception as error:  # noqa: BLE001  (a mistake that raises is what the diagnosis compares)
                entry = {"raised": exception_line(error)}
            self.variants.setdefault(variant_key(mistake, name), {})[key] = entry

    def on_mistaken_cache(self, mistake: Mistake, given: CacheGiven) -> Any:
        return self.reference.on_mistaken_cache(mistake, given)

    def record_mistaken_caches(self, name: str, args: tuple[Any, ...]) -> None:
        """For a backward given a forward's cache: what the reference backward gives on the cache each of
        the forward's mistakes makes from the same inputs (grader.engine.forward_blame proves with it)."""
        part = self.parts.get(name)
        maker = part.cache_from if part is not None else None
        forward_args = self.made_by.get(id(args[-1])) if args else None
        if maker is None or forward_args is None:
            return
        given = CacheGiven(maker.name, maker.cache_index, name, tuple(forward_args), tuple(args[:-1]))
        key = digest(given.forward_args + given.upstream, self.recorder.tokens)
        for mistake in maker.candidate_mistakes():
            try:
                value = self.reference.on_mistaken_cache(mistake, given)
            except Exception:  # noqa: BLE001  (a mistake whose forward cannot run proves nothing)
                continue
            self.mistaken_caches.setdefault(cache_key(mistake, given), {})[key] = self.recorder.encode(value)

    def record_diagnosis_calls(self, parts: tuple[Part, ...]) -> None:
        """The calls a part's own diagnosis makes beyond its cases (probes of helpers, say)."""
        for part in parts:
            for function, args in part.diagnosis_calls() if part.diagnosis_calls else ():
                self(function)(*copy.deepcopy(args))

    def save(self, path: Path) -> Path:
        """Write the vectors; arrays as .npy entries, the index as JSON bytes (no pickle anywhere)."""
        index = {"version": FORMAT_VERSION, "seed": self.seed, "calls": self.calls, "variants": self.variants,
                 "mistaken_caches": self.mistaken_caches}
        entries = {f"a{number}": array for number, array in enumerate(self.recorder.arrays)}
        entries["index"] = np.frombuffer(json.dumps(index, sort_keys=True).encode(), dtype=np.uint8)
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **entries)
        Path(path).write_bytes(buffer.getvalue())
        return Path(path)


def record_vectors(out: Path, solutions_dir: Path, seed: int = PUBLIC_SEED, timeout: float = 30.0) -> Path:
    """Grade the solutions at `seed` through a RecordingReference and save what it saw.

    Raises:
        VectorError: when the solutions do not score full marks (the vectors would be wrong).
    """
    recording = RecordingReference(SolutionsReference(Path(solutions_dir)), seed)
    # one child, parts in order: the recording (and its tokens) is the same every time
    report = grade(solutions_dir, seed=seed, timeout=timeout, reference=recording, parallel=False)
    recording.record_diagnosis_calls(all_parts())
    failing = [f"{part.name}: {part.reason}" for part in report.parts if part.status != "pass"]
    if failing:
        raise VectorError("the solutions must pass every part before their answers are recorded: "
                          + "; ".join(failing))
    return recording.save(out)
