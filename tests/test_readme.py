"""The README stays true: its points table, its commands and CI agree with the code."""
import re
from pathlib import Path

from grader.lstm import all_parts

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_points_tables_match_the_registry():
    rows = re.findall(r"^\| `(\w+)` \| (\w+) \| ([\d.]+) \| `(\w+\.py)` \|$", README, flags=re.M)
    assert rows == [(part.name, part.group, f"{part.points:g}", part.solution_file) for part in all_parts()]


def test_ci_runs_exactly_the_readme_test_command():
    commands = re.findall(r"```bash\n(.*?)\n```", README, flags=re.S)
    test_command = next(command for command in commands if "pytest" in command)
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test_command.strip() in [line.strip() for line in ci_lines]


def test_quick_start_installs_and_runs_check():
    commands = re.findall(r"```bash\n(.*?)\n```", README, flags=re.S)
    assert "pip install -e . && lstm-grader check" in commands[0]


def test_the_partial_points_rule_the_readme_states_is_the_graders() -> None:
    from grader.engine.outputs import partial_points

    assert "rounded down to half a point" in README and "right gives 1.5" in README
    assert partial_points(6, 1, 4) == 1.5 and partial_points(6, 3, 4) == 4.5 and partial_points(4, 1, 3) == 1.0


def test_every_docs_path_the_project_names_exists() -> None:
    texts = [README, (ROOT / "CONTRIBUTING.md").read_text(), (ROOT / "nbgrader_config.py").read_text()]
    named = {path.rstrip(".,)`") for text in texts for path in re.findall(r"\bdocs/[\w./-]+", text)}
    missing = sorted(path for path in named if not (ROOT / path).exists())
    assert not missing, f"named but missing: {missing}"
