"""Grade one submission on given parts: start the child, check each part, collect results.

The engine receives `Part` objects; choosing them by name is the course's job
(`grader.lstm.grading.grade`).
"""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from grader.engine.checks import PartContext, check_part
from grader.engine.forward_blame import blame_dependencies
from grader.engine.parts import Part
from grader.engine.reference import ReferenceSource
from grader.engine.reference_source import open_reference
from grader.engine.results import PartResult, Report
from grader.engine.prelaunch import Prelaunched
from grader.sandbox.calls import Call
from grader.sandbox import DEFAULT_TIMEOUT, ChildDied, ChildSession, ChildTimeout, LoadResult, Sandbox, resolve_sandbox
from grader.engine.submission import Submission, functions_in_file, load_submission, one_line

# how checks.py says a function is missing, directly or as one a part needs
MISSING_FUNCTION = re.compile(r"(?P<needs>needs your \w+: )?(?P<function>\w+) is not defined in the submission")


def grade_parts(submission_path: str | Path, parts: Iterable[Part], seed: int | None = None,
                timeout: float = DEFAULT_TIMEOUT, reference: ReferenceSource | None = None,
                sandbox: str | Sandbox = "process", parallel: bool = True,
                ready: Prelaunched | None = None, spawner: Any = None) -> Report:
    """Grade a submission on `parts`; raises SubmissionError if it cannot be read at all.

    `sandbox` is "auto", "bwrap", "process" or a resolved `Sandbox`; the report
    records which isolation graded it. `parallel` starts the long call of a part
    declared with a `head_start` in a copy of the child meanwhile. `ready` is this
    submission read and its child already started (grader.engine.prelaunch), taken
    over here. `spawner` is a batch worker's zygote that forks the child instead
    (grader.sandbox.zygote).
    """
    if ready is not None:
        submission, session, resolved = ready.submission, ready.session, ready.session.sandbox
    else:
        submission, session = load_submission(submission_path), None
        resolved = sandbox if isinstance(sandbox, Sandbox) else resolve_sandbox(sandbox)
    try:
        return grade_submission(submission, list(parts), seed, timeout, reference or open_reference(), resolved,
                                parallel, session, spawner)
    finally:
        submission.cleanup()
        if session is not None:
            session.close()


def grade_submission(submission: Submission, parts: list[Part], seed: int | None, timeout: float,
                     reference: ReferenceSource, sandbox: Sandbox | None = None, parallel: bool = True,
                     session: ChildSession | None = None, spawner: Any = None) -> Report:
    """Grade in one child (`session`, or a new one); with `parallel`, the long first call of each part
    declared with a `head_start` runs in a copy of that child while the other parts are checked (off,
    every call is made when its part is checked, in order)."""
    seed = case_seed(submission.default_seed, seed, reference)
    notes = list(reference.notes) + list(submission.problems)
    sandbox = sandbox or resolve_sandbox("process")
    # a child keeps one copy at a time: the first part declared with a head start gets it
    head_starts = [part.head_start for part in parts if part.head_start] if parallel and len(parts) > 1 else []
    head_start = head_starts[0] if head_starts else None
    session = session or ChildSession(submission.files, submission.module_names, submission.search_path,
                                      load_timeout=timeout, sandbox=sandbox, spawner=spawner)
    with session:
        try:
            loaded = session.start()
        except (ChildTimeout, ChildDied) as error:
            status = "timeout" if isinstance(error, ChildTimeout) else "error"
            reason = (f"importing the submission did not finish within {timeout:g} s (a loop at import time?)"
                      if status == "timeout" else f"importing the submission crashed the process: {error}")
            results = [PartResult(part.name, part.group, status, 0.0, float(part.points), (reason,),
                                  None, part.hint) for part in parts]
            return Report(submission.display, tuple(results), seed, tuple(notes + [reason]),
                          session.isolation)
        notes += import_notes(loaded)
        unloaded = {**not_imported(submission, loaded.problems), **submission.unloaded}
        if head_start is not None:
            start_ahead(session, head_start, seed, timeout)
        context = PartContext(session, reference, seed, timeout)
        checked = {part.name: check_part(part, context) for part in parts}
        results = [with_file_notes(checked[part.name], unloaded) for part in parts]
    return Report(submission.display, tuple(blame_dependencies(parts, results)), seed, tuple(notes),
                  session.isolation)


def start_ahead(session: ChildSession, head_start: Callable[[int], Call], seed: int, timeout: float) -> None:
    """Start a part's head-start call in a copy of the child. Whatever goes wrong only loses the
    head start: the part then makes its call when it is checked, as without one."""
    try:
        call = head_start(seed)
    except Exception:  # noqa: BLE001  (the part meets the same error when it is checked, and reports it)
        return
    try:
        session.call_ahead(call, timeout)
    except (ChildTimeout, ChildDied):
        pass  # the child is killed; the next part's check starts a new one


def case_seed(default_seed: int, seed: int | None, reference: ReferenceSource) -> int:
    """The seed of the cases: the one asked for, else the submission's own; a release's self-check
    replays the answers recorded at the public seed, so its reference fixes the seed."""
    if reference.fixed_seed is not None:
        return reference.fixed_seed
    return default_seed if seed is None else seed


def import_notes(loaded: LoadResult) -> list[str]:
    """What the report notes about the import: the files that failed, and what was printed."""
    notes = [f"{Path(problem['file']).name}: {problem['error'].splitlines()[0]} while importing; "
             "its functions are missing" for problem in loaded.problems]
    if loaded.output:
        notes.append("printed while importing: " + loaded.output[:300])
    return notes


def not_imported(submission: Submission, problems: list[dict[str, Any]]) -> dict[str, str]:
    """Function name -> the file of the submission that defines it and failed to import, and how
    (the error's first line, as in the report's notes: a batch's JSON report has no notes)."""
    found: dict[str, str] = {}
    for problem in problems:
        name = Path(str(problem.get("file", ""))).name
        error = one_line(str(problem.get("error", ""))) or "an error"
        for path in (path for path in submission.files if path.name == name):
            for function in functions_in_file(path):
                found.setdefault(function, f"{name}, which failed to import: {error}")
    return found


def with_file_notes(result: PartResult, unloaded: Mapping[str, str] | None = None) -> PartResult:
    """A part missing because the code that defines its function was not loaded says where that code
    is and why, in place of "not defined in the submission".

    Args:
        result: the part's result (the file problems themselves are the report's notes, said once).
        unloaded: function name -> where it is and why that code was not loaded (`Submission.unloaded`,
            `not_imported`).
    """
    if result.status not in ("missing", "error") or not result.messages or not unloaded:
        return result
    found = MISSING_FUNCTION.fullmatch(result.messages[0])
    if found is None or found["function"] not in unloaded:
        return result
    reason = f"{found['needs'] or ''}{found['function']} is in {unloaded[found['function']]}"
    return replace(result, messages=(reason, *result.messages[1:]))
