"""How often the feedback names the actual mistake, over the mutation suite.

Targets (issue 14): of the parts a mutant makes fail, at least 90% get a
diagnosis and at least 85% get the one that is the actual mistake; on at least
15 correct implementations written in different styles, no diagnosis at all.

    python benchmarks/bench_diagnosis.py [--seed 1234] [--only student]

Every mutant of tests/mutants.py (one realistic mistake each) is graded on its
own part, in process (tests/fake_runner.py: the mutants and the correct
implementations are the project's own code). A diagnosis is right when it is
the mutant's own id or one of its `expected_diagnosis` (catalogue entries, or
generic detectors such as lstm_forward.shifted_by_one_step), directly or as an
alias. A mutant whose only fault is an argument changed in place is named by
the in-place message, not by a diagnosis; it counts as named when that message
is there and no diagnosis claims something else. Then every part of every
correct implementation (tests/submissions/correct/ and solutions/) is graded,
and each diagnosis given there is listed.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
CORRECT_DIR = TESTS / "submissions" / "correct"
TARGET_DIAGNOSED = 0.90
TARGET_RIGHT = 0.85
TARGET_CORRECT_IMPLEMENTATIONS = 15


@dataclass(frozen=True)
class Outcome:
    """What one mutant's own part got."""

    mutant_id: str
    part: str
    suite: str  # "issue 4", "student", "bonus"
    failed: bool
    diagnosis: str | None
    named_in_place: bool  # the in-place message is there, for a mutant whose fault is in place
    right: bool
    expected: tuple[str, ...]
    status: str

    @property
    def diagnosed(self) -> bool:
        return self.diagnosis is not None or self.named_in_place


def grade_mutants(seed: int, suites: set[str]) -> list[Outcome]:
    from fake_runner import grade_in_process
    from mutants import (BONUS_MUTANTS, ISSUE_4_MUTANTS, SOLUTION_FILES, STUDENT_MUTANTS, edit_of, edited_solutions,
                         names_the_mistake)

    chosen = [(mutant, "issue 4") for mutant in ISSUE_4_MUTANTS] + [(mutant, "student") for mutant in STUDENT_MUTANTS]
    chosen += [(mutant, "bonus") for mutant in BONUS_MUTANTS]
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="bench-diagnosis-") as scratch:
        for number, (mutant, suite) in enumerate(chosen):
            if suite not in suites:
                continue
            files = None if suite == "bonus" else SOLUTION_FILES
            folder = edited_solutions(Path(scratch) / str(number), [edit_of(mutant)], files)
            part = grade_in_process(folder, parts=[mutant.part], seed=seed).part(mutant.part)
            failed = part.status != "pass" or part.score < part.max_score
            named_in_place = mutant.in_place and any("in place" in message for message in part.messages)
            if part.diagnosis is not None:
                right = names_the_mistake(mutant, part.diagnosis)
            else:
                right = named_in_place
            outcomes.append(Outcome(mutant.id, mutant.part, suite, failed, part.diagnosis, named_in_place, right,
                                    mutant.expected_diagnosis, part.status))
    return outcomes


def known_gaps(suites: set[str]) -> list[tuple[str, str]]:
    from mutants import BONUS_MUTANTS, ISSUE_4_MUTANTS, STUDENT_MUTANTS

    chosen = {"issue 4": ISSUE_4_MUTANTS, "student": STUDENT_MUTANTS, "bonus": BONUS_MUTANTS}
    return [(mutant.id, mutant.known_gap) for suite in sorted(suites) for mutant in chosen[suite] if mutant.known_gap]


def correct_implementations() -> list[Path]:
    return [ROOT / "solutions"] + sorted(path for path in CORRECT_DIR.glob("*.py") if not path.name.startswith("_"))


def diagnoses_on_correct(seed: int) -> tuple[list[Path], list[str], list[str]]:
    """(the implementations, each diagnosis given as 'file / part: id', each part that did not pass)."""
    from fake_runner import grade_in_process
    from grader.lstm import PARTS

    core = [part.name for part in PARTS]
    found, lost = [], []
    implementations = correct_implementations()
    for path in implementations:
        for part in grade_in_process(path, parts=core, seed=seed).parts:
            if part.diagnosis is not None:
                found.append(f"{path.name} / {part.name}: {part.diagnosis}")
            if part.status != "pass":
                lost.append(f"{path.name} / {part.name}: {part.status} {part.score:g}/{part.max_score:g}")
    return implementations, found, lost


def share(count: int, total: int) -> str:
    return f"{count}/{total} ({100.0 * count / total:.0f}%)" if total else "0/0"


def verdict(value: float, target: float) -> str:
    return "meets the target" if value >= target else "below the target"


def print_figures(label: str, outcomes: list[Outcome]) -> None:
    failing = [outcome for outcome in outcomes if outcome.failed]
    diagnosed = [outcome for outcome in failing if outcome.diagnosed]
    right = [outcome for outcome in failing if outcome.right]
    total = len(failing)
    print(f"{label}: {len(outcomes)} mutants, {total} fail their own part")
    if not total:
        return
    print(f"  diagnosed: {share(len(diagnosed), total)}; target {TARGET_DIAGNOSED:.0%}, "
          f"{verdict(len(diagnosed) / total, TARGET_DIAGNOSED)}")
    print(f"  the actual mistake: {share(len(right), total)}; target {TARGET_RIGHT:.0%}, "
          f"{verdict(len(right) / total, TARGET_RIGHT)}")
    in_place = sum(outcome.named_in_place and outcome.diagnosis is None for outcome in failing)
    if in_place:
        print(f"  (of which {in_place} named by the in-place message, without a diagnosis)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--only", choices=("issue 4", "student", "bonus"), action="append",
                        help="grade only these suites (default: all three)")
    arguments = parser.parse_args()
    sys.path.insert(0, str(TESTS))
    suites = set(arguments.only or ("issue 4", "student", "bonus"))

    started = time.perf_counter()
    outcomes = grade_mutants(arguments.seed, suites)
    mutants_seconds = time.perf_counter() - started
    print_figures("every mutant", outcomes)
    for suite, label in (("issue 4", "written with the catalogue (issue 4)"),
                         ("student", "written apart from the catalogue (issue 14)"), ("bonus", "bonus parts")):
        chosen = [outcome for outcome in outcomes if outcome.suite == suite]
        if chosen and len(suites) > 1:
            print_figures(f"  {label}", chosen)

    print(f"per part: {'part':22s} failing diagnosed right")
    by_part: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        if outcome.failed:
            by_part[outcome.part].append(outcome)
    for part, chosen in by_part.items():
        diagnosed, right = sum(o.diagnosed for o in chosen), sum(o.right for o in chosen)
        print(f"  {part:32s} {len(chosen):7d} {diagnosed:9d} {right:5d}")

    passing = [outcome for outcome in outcomes if not outcome.failed]
    if passing:
        print(f"mutants their own part lets pass (false passes): {len(passing)}")
        for outcome in passing:
            print(f"  {outcome.mutant_id}")
    gaps = known_gaps(suites)
    if gaps:
        print(f"grader gaps the suite records (a part that should lose points does not; tests/mutants.py "
              f"known_gap): {len(gaps)}")
        for mutant_id, gap in gaps:
            print(f"  {mutant_id}: {gap}")
    undiagnosed = [outcome for outcome in outcomes if outcome.failed and not outcome.diagnosed]
    print(f"undiagnosed: {len(undiagnosed)}")
    for outcome in undiagnosed:
        hoped = f" (would be right: {', '.join(outcome.expected)})" if outcome.expected else ""
        print(f"  {outcome.mutant_id} [{outcome.status}]{hoped}")
    wrong = [outcome for outcome in outcomes if outcome.failed and outcome.diagnosed and not outcome.right]
    print(f"misdiagnosed: {len(wrong)}")
    for outcome in wrong:
        hoped = f"would be right: {', '.join(outcome.expected)}" if outcome.expected else "no id names this mistake"
        print(f"  {outcome.mutant_id}: got {outcome.diagnosis} ({hoped})")

    started = time.perf_counter()
    implementations, found, lost = diagnoses_on_correct(arguments.seed)
    correct_seconds = time.perf_counter() - started
    enough = "enough" if len(implementations) >= TARGET_CORRECT_IMPLEMENTATIONS else "too few"
    print(f"correct implementations: {len(implementations)} (target at least {TARGET_CORRECT_IMPLEMENTATIONS}, "
          f"{enough}); diagnoses on them: {len(found)} (target 0)")
    for line in found:
        print(f"  {line}")
    if lost:
        print(f"  parts of correct implementations that did not pass: {len(lost)}")
        for line in lost:
            print(f"    {line}")
    print(f"(seed {arguments.seed}; mutants graded in {mutants_seconds:.1f} s, correct implementations in "
          f"{correct_seconds:.1f} s)")


if __name__ == "__main__":
    main()
