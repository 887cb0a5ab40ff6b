"""The student release: stubs, the grader and public test vectors, but no solutions.

    lstm-grader release OUT

writes

    OUT/exercises/*.py                 the stubs (grader.instructor.stubs, from solutions/)
    OUT/exercises/lstm_assignment.ipynb  nbgrader's student notebook
    OUT/lstm_autograder-<version>-py3-none-any.whl
                                       the grader package plus grader/public_vectors.npz (the
                                       reference's answers and each catalogued mistake's on the
                                       public cases), grader/mistake_catalogue.json (what the
                                       diagnosis says, without the edits of the reference) and
                                       grader/_exercises/*.py (the same stubs, for `lstm-grader start DIR`)
    OUT/README.md                      how to install and self-check

The wheel is assembled here with `zipfile` (a wheel is a zip with a
dist-info folder), so building a release needs no build backend or network.
Installed, `lstm-grader check` finds no solutions folder and grades against
the vectors (see grader.engine.reference and grader.engine.vectors).
"""
from __future__ import annotations

import base64
import hashlib
import shutil
import tempfile
import zipfile
from pathlib import Path

from grader import __version__
from grader.instructor.notebooks import NOTEBOOK_NAME, NotebookBuildError, notebook_drift
from grader.instructor.stubs import generate_exercises
from grader.engine.vectors import PUBLIC_SEED, VECTORS_FILE
from grader.instructor.record_vectors import record_vectors
from grader.lstm.mistakes import CATALOGUE_FILE, catalogue, catalogue_text
# where `lstm-grader start DIR` finds the stubs in an installed wheel; a copy left in the
# package folder is never packed: build_wheel adds the freshly generated stubs
from grader.student.start import PACKAGED as PACKAGED_EXERCISES

DISTRIBUTION = "lstm_autograder"
# the installed package's needs, as pyproject.toml states them (a test keeps the two the same)
REQUIREMENTS = ("numpy>=1.24", "rich>=13.0", "click>=8.1", "watchdog>=4", "jinja2>=3.1")
ENTRY_POINTS = {"console_scripts": {"lstm-grader": "grader.cli:main"},
                "pytest11": {"lstm_grader": "grader.pytest_plugin"}}
PACKAGE_DIR = Path(__file__).resolve().parents[1]
LEFT_OUT_SUFFIXES = (".pyc", ".pyo")
# the maintainer tools (grader/instructor/, which only make sense beside solutions/;
# stubs.py also quotes a solved function in its docstring), the grader's own LSTM
# forward, which would hand students a forward pass, and the mistake catalogue, whose
# entries are edits of the reference: none belongs in a student's install
MAINTAINER_ONLY = ("instructor", "lstm/numpy_lstm.py", "lstm/catalogue")

STUDENT_README = """# LSTM exercises: student release

Install the grader (a virtual environment is a good idea):

    python -m pip install {wheel}

Write your code in `exercises/*.py` (or in `exercises/{notebook}` with Jupyter),
then check it:

    lstm-grader check exercises
    lstm-grader check exercises/{notebook}

Want a fresh copy of the untouched exercises elsewhere? `lstm-grader start my-lstm`
(the wheel carries them), then `lstm-grader check my-lstm`.

This is a self-check: it compares your functions with the reference's answers on
the public cases (seed {seed}) and checks your gradients against numerical
gradients of your own forward. Your final grade also uses hidden cases.
"""


class ReleaseError(RuntimeError):
    """The release cannot be built (exercises out of sync, solutions failing, ...)."""


def package_files(package_dir: Path = PACKAGE_DIR) -> list[Path]:
    """The grader package's files, without caches, relative to its parent."""
    files = []
    for path in sorted(package_dir.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts or path.suffix in LEFT_OUT_SUFFIXES:
            continue
        if path.name in (VECTORS_FILE, CATALOGUE_FILE):
            continue  # a stale copy; the fresh ones are added by build_wheel
        relative = path.relative_to(package_dir).as_posix()
        if any(relative == left_out or relative.startswith(left_out + "/")
               for left_out in (*MAINTAINER_ONLY, PACKAGED_EXERCISES)):
            continue
        files.append(path)
    return files


def record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def build_wheel(out_dir: Path, vectors: Path, stubs: list[Path], package_dir: Path = PACKAGE_DIR) -> Path:
    """A pure-Python wheel of the grader package with the public vectors and the exercise stubs inside.

    Args:
        out_dir: the folder to write the wheel into.
        vectors: the recorded public vectors (grader.instructor.record_vectors).
        stubs: the generated exercise files, packed as grader/_exercises/<name>.
        package_dir: the grader package to pack (its maintainer tools left out).

    Returns:
        The wheel's path.
    """
    dist_info = f"{DISTRIBUTION}-{__version__}.dist-info"
    wheel_path = Path(out_dir) / f"{DISTRIBUTION}-{__version__}-py3-none-any.whl"
    entries: list[tuple[str, bytes]] = []
    for path in package_files(package_dir):
        entries.append((f"grader/{path.relative_to(package_dir).as_posix()}", path.read_bytes()))
    entries.append((f"grader/{VECTORS_FILE}", Path(vectors).read_bytes()))
    entries.append((f"grader/{CATALOGUE_FILE}", catalogue_text(catalogue()).encode()))
    entries += [(f"grader/{PACKAGED_EXERCISES}/{Path(stub).name}", Path(stub).read_bytes()) for stub in stubs]
    metadata = "\n".join(["Metadata-Version: 2.1", "Name: lstm-autograder", f"Version: {__version__}",
                          "Summary: LSTM exercises with a self-checking grader (student release)",
                          "Requires-Python: >=3.10", *[f"Requires-Dist: {item}" for item in REQUIREMENTS]]) + "\n"
    entries.append((f"{dist_info}/METADATA", metadata.encode()))
    entries.append((f"{dist_info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: lstm-grader release\n"
                                          b"Root-Is-Purelib: true\nTag: py3-none-any\n"))
    entries.append((f"{dist_info}/entry_points.txt", entry_points_text().encode()))
    record = [record_line(name, data) for name, data in entries] + [f"{dist_info}/RECORD,,"]
    entries.append((f"{dist_info}/RECORD", ("\n".join(record) + "\n").encode()))
    with zipfile.ZipFile(wheel_path, "w", compression=zipfile.ZIP_DEFLATED) as wheel:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            wheel.writestr(info, data)
    return wheel_path


def entry_points_text() -> str:
    """entry_points.txt: the command, and the pytest plugin (`pytest --lstm-submission`)."""
    return "".join(f"[{group}]\n" + "".join(f"{name} = {target}\n" for name, target in points.items()) + "\n"
                   for group, points in ENTRY_POINTS.items())


def build_release(out: Path, solutions_dir: Path, exercises_dir: Path, *, seed: int = PUBLIC_SEED) -> list[Path]:
    """Write the student release into `out` (created; must be empty or absent).

    Raises:
        ReleaseError: when `out` is not empty, the notebook is out of sync with the
            solutions, nbgrader cannot make the student notebook, or the solutions do
            not pass (so the vectors would be wrong).
    """
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise ReleaseError(f"{out} is not empty; give a new folder")
    try:
        import nbgrader  # noqa: F401  (only to know whether the notebook release can be re-checked)
        with_release = True
    except ImportError:
        with_release = False
    try:
        drift = notebook_drift(solutions_dir, exercises_dir, with_release=with_release)
    except NotebookBuildError as error:
        raise ReleaseError(f"cannot check the student notebook: {error}") from error
    if drift:
        raise ReleaseError("the notebooks are out of date:\n" + "\n".join(drift))
    (out / "exercises").mkdir(parents=True, exist_ok=True)
    written = generate_exercises(Path(solutions_dir), out / "exercises")
    stubs = list(written)
    notebook = out / "exercises" / NOTEBOOK_NAME
    shutil.copy(Path(exercises_dir) / NOTEBOOK_NAME, notebook)
    written.append(notebook)
    with tempfile.TemporaryDirectory(prefix="lstm-release-") as temporary:
        try:
            vectors = record_vectors(Path(temporary) / VECTORS_FILE, Path(solutions_dir), seed=seed)
        except ValueError as error:
            raise ReleaseError(str(error)) from error
        wheel = build_wheel(out, vectors, stubs)
    written.append(wheel)
    readme = out / "README.md"
    readme.write_text(STUDENT_README.format(wheel=wheel.name, notebook=NOTEBOOK_NAME, seed=seed), encoding="utf-8")
    written.append(readme)
    return written
