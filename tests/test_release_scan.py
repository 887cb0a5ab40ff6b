"""What the release wheel packs holds no solution line the stubs do not show (the wheel itself: test_release.py)."""
from __future__ import annotations

from pathlib import Path

from grader.instructor.release import PACKAGE_DIR, build_wheel, package_files
from grader.lstm import EVERY_MISTAKE
from release_scan import folder_files, leaks_in, solution_lines


def test_the_search_knows_the_reference_lines():
    lines = solution_lines()
    assert len(lines) >= 60
    assert "dz = dt * (1.0 - t**2)" in lines
    assert not any(line.startswith("for ") for line in lines)


def test_the_search_finds_the_catalogue_edits_the_release_leaves_out():
    catalogue = {path.name: path.read_bytes() for path in (PACKAGE_DIR / "lstm" / "catalogue").glob("*.py")}
    found = leaks_in(catalogue, solution_lines())
    assert len(found) >= 15, found
    assert any("dz = dt * (1.0 - t**2)" in leak for leak in found)


def test_no_file_the_wheel_packs_holds_a_solution_line():
    files = {str(path.relative_to(PACKAGE_DIR)): path.read_bytes() for path in package_files()}
    assert "lstm/mistakes.py" in files and not any(name.startswith("lstm/catalogue") for name in files)
    assert leaks_in(files, solution_lines()) == []


def test_the_built_wheel_holds_no_solution_line_and_no_catalogue_edit(tmp_path: Path):
    vectors = tmp_path / "public_vectors.npz"
    vectors.write_bytes(b"stand-in")
    stubs = sorted((PACKAGE_DIR.parent / "exercises").glob("*.py"))
    wheel = build_wheel(tmp_path, vectors, stubs)
    files = folder_files(wheel.parent)
    assert leaks_in(files, solution_lines()) == []
    catalogue = next(data for name, data in files.items() if name.endswith("grader/mistake_catalogue.json"))
    assert all(mistake.old not in catalogue.decode() for mistake in EVERY_MISTAKE)
