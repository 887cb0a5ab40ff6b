"""Recording the public vectors: the reference's answers on the public cases, for a student release.

The maintainer grades the solutions once at the public seed through a
`RecordingReference`, which notes every call the grader makes to the reference
(a digest of the arguments -> the outputs); `grader.engine.vectors` saves and
replays them.
"""
from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any, Callable

import numpy as np

from grader.engine.reference import SolutionsReference
from grader.engine.vectors import FORMAT_VERSION, PUBLIC_SEED, Recorder, VectorError, digest
from grader.lstm.grading import grade


class RecordingReference:
    """A reference source that notes every call: args digest -> outputs."""

    def __init__(self, reference: SolutionsReference, seed: int) -> None:
        self.reference = reference
        self.folder: Path | None = reference.folder
        self.seed = seed
        self.recorder = Recorder()
        self.calls: dict[str, dict[str, Any]] = {}
        self.fixed_seed: int | None = None
        self.notes: tuple[str, ...] = ()

    def __call__(self, name: str) -> Callable[..., Any]:
        function = self.reference(name)

        def recorded(*args: Any) -> Any:
            key = digest(args, self.recorder.tokens)
            result = function(*args)
            self.calls.setdefault(name, {})[key] = self.recorder.encode(result)
            return result

        return recorded

    def save(self, path: Path) -> Path:
        """Write the vectors; arrays as .npy entries, the index as JSON bytes (no pickle anywhere)."""
        index = {"version": FORMAT_VERSION, "seed": self.seed, "calls": self.calls}
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
    report = grade(solutions_dir, seed=seed, timeout=timeout, reference=recording)
    failing = [f"{part.name}: {part.reason}" for part in report.parts if part.status != "pass"]
    if failing:
        raise VectorError("the solutions must pass every part before their answers are recorded: "
                          + "; ".join(failing))
    return recording.save(out)
