"""A new instructor's first batch: every entry its own id, exact counts, a resume command that resumes.

From the issue "The first hour of a new student and a new instructor": names
that clean to the same id (`zoë`, `zoé`, `zo `) were one row; skipped entries
were named only in summary.json; "graded" counted the not gradable too and
"not gradable" counted earlier runs; after an interrupted `--force` the advice
"run the same command again" regraded everyone; the ETA was shown at 2 of 20.
"""
from __future__ import annotations

import io
import json
import shlex
from pathlib import Path

from click.testing import CliRunner

from batch_fakes import journalled, make_class, options, read_grades, use_fake
from grader.cli.batch import batch as batch_command
from grader.course.batch import run_batch
from grader.course.students import discover
from grader.report.progress_bar import PlainProgress, RichProgress

LOOK_ALIKE = ("zo\u00eb", "zo\u00e9", "zo ", "zo_")
UNREADABLE = {student: ("unreadable", 99) for student in ("carol", "dave", "erin", "frank")}


def invoke(source: Path, out: Path, *extra: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(batch_command, [str(source), "--out", str(out), "--sandbox", "process", *extra],
                              env={"LSTM_GRADER_SECRET": "course"})


def test_names_that_clean_to_the_same_id_each_get_their_own_stable_id(tmp_path: Path, monkeypatch) -> None:
    source = make_class(tmp_path / "class", LOOK_ALIKE)
    out = tmp_path / "out"
    use_fake(monkeypatch, tmp_path)
    result = run_batch(source, options(out))
    ids = set(read_grades(out))
    assert result.graded == 4 and len(ids) == 4 and "zo_" in ids  # a name that is already safe stays as it is
    assert all(student.startswith(("zoe-", "zo_-")) for student in ids - {"zo_"})
    assert all((out / "reports" / f"{student}.json").is_file() for student in ids)
    renamed = json.loads((out / "summary.json").read_text(encoding="utf-8"))["renamed"]
    assert sorted(renamed.values()) == sorted(f"{name}.py" for name in LOOK_ALIKE if name != "zo_")
    assert set(renamed) == ids - {"zo_"} and "zo\u00eb.py" in (out / "summary.md").read_text(encoding="utf-8")

    (source / "zo\u00e8.py").write_text("# late\n")  # a late look-alike changes no one else's id
    again = run_batch(source, options(out))
    assert again.graded == 1 and again.already_done == 4
    assert ids < set(read_grades(out)) and len(read_grades(out)) == 5 and ids < set(journalled(out))


def test_the_ids_are_the_readmes_and_never_change_between_versions() -> None:
    """A changed scheme would regrade these students under new ids and seeds: the README's examples, pinned."""
    from grader.course.students import assign_ids

    ids, repeats = assign_ids(["zo\u00eb", "zo\u00e9", "zo ", "zo_", "alice", "=dave"])
    assert ids == {"zo\u00eb": "zoe-2752b886", "zo\u00e9": "zoe-33b40fa2", "zo ": "zo_-0ccab7f7", "zo_": "zo_",
                   "alice": "alice", "=dave": "_dave-ea00d2e2"} and not repeats
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert all(f"`{name}.py` is `{ids[name]}`" in readme for name in ("zo\u00eb", "zo\u00e9", "zo "))


def test_the_same_name_twice_is_one_student_and_the_second_is_named_as_skipped(tmp_path: Path) -> None:
    root = make_class(tmp_path / "class", ("zo\u00eb", "zoe\u0308"))  # NFC and NFD: the same name
    (root / "alice").mkdir()
    (root / "alice" / "lstm.py").write_text("# alice\n")
    (root / "alice.py").write_text("# alice again\n")
    entries, skipped = discover(root)
    assert len(entries) == 2 and len({entry.student for entry in entries}) == 2
    assert sorted(skipped) == ["alice.py: another entry of the same student as alice, the one graded",
                               "zo\u00eb.py: the same name, in other Unicode, as zoe\u0308.py, the one graded"]


def test_counts_are_exact_on_the_terminal_and_in_the_summary(tmp_path: Path, monkeypatch) -> None:
    source = make_class(tmp_path / "class", ("alice", "bob", *UNREADABLE))
    (source / "notes.txt").write_text("the class list")
    out = tmp_path / "out"
    use_fake(monkeypatch, tmp_path, failures=UNREADABLE)
    result = invoke(source, out)
    assert result.exit_code == 0, result.output
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("2 graded, 0 already done, 4 not gradable, 0 not graded: grader error, 1 skipped;")
    assert "skipped notes.txt: not a .py file, notebook or folder" in lines
    summary = json.loads((out / "summary.json").read_text())
    assert summary["run"] == {"graded": 2, "already_done": 0, "not_gradable": 4, "grader_errors": 0, "skipped": 1}
    assert summary["skipped"] == ["notes.txt: not a .py file, notebook or folder"]
    markdown = (out / "summary.md").read_text()
    assert "This run: 2 graded, 0 already done, 4 not gradable, 0 not graded: grader error, 1 skipped." in markdown
    assert "## Skipped" in markdown and "notes.txt" in markdown

    (source / "carol.py").write_text("# carol, fixed\n")
    use_fake(monkeypatch, tmp_path, failures={student: UNREADABLE[student] for student in ("dave", "erin", "frank")})
    again = invoke(source, out)
    assert again.stderr.strip().splitlines()[-1].startswith(
        "1 graded, 5 already done, 0 not gradable, 0 not graded: grader error, 1 skipped;")
    markdown = (out / "summary.md").read_text()
    assert "3 of 6 submissions graded" in markdown and "; 3 not gradable" in markdown
    assert "This run: 1 graded, 5 already done, 0 not gradable" in markdown


def resume_arguments(stderr: str) -> list[str]:
    """The arguments of the command the last line says to run (after the command's name)."""
    words = shlex.split(stderr.strip().splitlines()[-1].split("run: ", 1)[1])
    return words[words.index("batch") + 1:] if "batch" in words else words


def test_the_command_an_interrupted_force_run_prints_resumes_it(tmp_path: Path, monkeypatch) -> None:
    source = make_class(tmp_path / "class")
    out = tmp_path / "out"
    use_fake(monkeypatch, tmp_path)
    assert invoke(source, out).exit_code == 0
    fake = use_fake(monkeypatch, tmp_path, failures={"carol": ("interrupt", 1)})
    interrupted = invoke(source, out, "--force", "--jobs", "1")
    assert interrupted.exit_code == 130
    arguments = resume_arguments(interrupted.stderr)
    assert "--force" not in arguments and arguments[:3] == [str(source), "--out", str(out)]
    resumed = CliRunner().invoke(batch_command, arguments, env={"LSTM_GRADER_SECRET": "course"})
    assert resumed.exit_code == 0, resumed.output
    assert resumed.stderr.strip().splitlines()[-1].startswith("3 graded, 2 already done,")
    assert [fake.attempts(student) for student in ("alice", "bob", "carol", "dave", "erin")] == [1, 1, 2, 1, 1]


def test_after_a_forced_run_the_grader_errors_are_regraded_without_force(tmp_path: Path, monkeypatch) -> None:
    source = make_class(tmp_path / "class")
    use_fake(monkeypatch, tmp_path, failures={"bob": ("enospc", 99)})
    result = invoke(source, tmp_path / "out", "--force")
    advice = result.stderr.strip().splitlines()[-1]
    assert advice.startswith("to grade the 1 not graded, run: ") and "--force" not in advice
    assert resume_arguments(result.stderr)[:3] == [str(source), "--out", str(tmp_path / "out")]


def test_the_plain_progress_shows_an_eta_only_after_a_few_submissions() -> None:
    stream = io.StringIO()
    progress = PlainProgress(20, stream)
    for student in range(5):
        progress.advance(f"s{student}", "7/7")
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("[1/20] s0: 7/7") and not any("ETA" in line for line in lines[:4])
    assert "ETA" in lines[4]


def test_the_progress_bar_shows_an_eta_only_after_a_few_submissions() -> None:
    early, later = io.StringIO(), io.StringIO()
    for stream, count in ((early, 2), (later, 6)):
        with RichProgress(20, stream) as progress:
            for student in range(count):
                progress.advance(f"s{student}", "7/7")
    assert "2/20" in early.getvalue() and "ETA" not in early.getvalue()
    assert "6/20" in later.getvalue() and "ETA" in later.getvalue()


def test_a_rerun_counts_the_not_gradable_of_earlier_runs_as_already_done(tmp_path: Path, monkeypatch) -> None:
    source = make_class(tmp_path / "class", ("alice", "bob", *UNREADABLE))
    use_fake(monkeypatch, tmp_path, failures=UNREADABLE)
    first = run_batch(source, options(tmp_path / "out"))
    assert (first.graded, first.already_done, set(first.ungradable)) == (2, 0, set(UNREADABLE))
    again = run_batch(source, options(tmp_path / "out"))
    assert (again.graded, again.already_done, again.ungradable, again.grader_errors) == (0, 6, {}, {})
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["graded"] == 2 and set(summary["ungradable"]) == set(UNREADABLE)  # the class, all runs
