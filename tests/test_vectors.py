"""Public test vectors: recorded from the reference, replayed without it, judging the same.

Submissions are graded on the in-process fake runner (tests/fake_runner.py);
the replayed full marks also through the real child, in the slow run.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grader.engine import reference_source as reference_module
from grader.engine.reference import ReferenceUnavailable
from grader.engine.reference_source import open_reference
from fake_runner import GRADERS, grade_in_process as grade
from mutants import edited_solutions
from grader.engine.vectors import PUBLIC_SEED, Token, VectorReference, digest
from grader.instructor.record_vectors import record_vectors

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"


@pytest.fixture(scope="module")
def vectors(tmp_path_factory) -> Path:
    return record_vectors(tmp_path_factory.mktemp("vectors") / "public_vectors.npz", SOLUTIONS)


def mutant(tmp_path: Path, file: str, old: str, new: str) -> Path:
    """The solutions with every occurrence of `old` in `file` (docstrings included) replaced."""
    folder = edited_solutions(tmp_path / "submission")
    path = folder / file
    text = path.read_text()
    if old not in text:
        raise AssertionError(f"{old!r} not in {file}")
    path.write_text(text.replace(old, new))
    return folder


def test_the_file_holds_plain_arrays_only(vectors):
    with np.load(vectors, allow_pickle=False) as data:
        assert all(data[key].dtype != object for key in data.files)
        assert "index" in data.files


@pytest.mark.parametrize("grade_with", GRADERS)
def test_replayed_vectors_give_the_solutions_full_marks(vectors, grade_with):
    report = grade_with(SOLUTIONS, seed=PUBLIC_SEED, reference=VectorReference(vectors))
    assert report.score == report.max_score == 100.0
    assert report.bonus == report.max_bonus


@pytest.mark.parametrize("file, old, new", [
    ("part1_cell_forward.py", "f = sigmoid(x @ W_f + h_prev @ U_f + b_f)\n    return f",
     "f = np.tanh(x @ W_f + h_prev @ U_f + b_f)\n    return f"),
    ("part2_cell_backward.py", "dW = x.T @ dz", "dW = x.T @ dz * 0.5"),
    ("part3_sequence.py", "dh[:, t] + dh_next", "dh[:, t]"),
])
def test_a_mistake_is_judged_as_the_reference_judges_it(vectors, tmp_path, file, old, new):
    submission = mutant(tmp_path, file, old, new)
    replayed = grade(submission, seed=PUBLIC_SEED, reference=VectorReference(vectors))
    direct = grade(submission, seed=PUBLIC_SEED)
    assert [(part.name, part.status, part.score) for part in replayed.parts] == \
        [(part.name, part.status, part.score) for part in direct.parts]
    assert replayed.score < 100.0


def test_inputs_that_were_not_recorded_are_refused_clearly(vectors):
    replay = VectorReference(vectors)
    with pytest.raises(ReferenceUnavailable, match="public cases"):
        replay("forget_gate")(np.ones((2, 3)), np.ones((2, 4)), np.ones((3, 4)), np.ones((4, 4)), np.ones(4))


def test_digest_ignores_the_last_ulp_but_not_a_real_difference():
    base = np.linspace(-1, 1, 12).reshape(3, 4)
    assert digest((base,)) == digest((np.nextafter(base, 2.0),))
    assert digest((base,)) != digest((base + 1e-6,))
    assert digest((Token("token0"),)) != digest((Token("token1"),))


def test_reference_replays_the_vectors_when_there_are_no_solutions(vectors, tmp_path, monkeypatch):
    monkeypatch.setenv("LSTM_GRADER_SOLUTIONS", str(tmp_path / "absent"))
    monkeypatch.setattr(reference_module, "public_vectors_path", lambda: vectors)
    replay = open_reference()
    assert replay.fixed_seed == PUBLIC_SEED
    report = grade(SOLUTIONS, seed=99, reference=replay)
    assert report.seed == PUBLIC_SEED
    assert report.score == 100.0
    assert any("self-check" in note for note in report.notes)


def test_without_solutions_or_vectors_the_reference_is_unavailable(tmp_path, monkeypatch):
    monkeypatch.setenv("LSTM_GRADER_SOLUTIONS", str(tmp_path / "absent"))
    monkeypatch.setattr(reference_module, "public_vectors_path", lambda: tmp_path / "none.npz")
    with pytest.raises(ReferenceUnavailable):
        open_reference()
