"""The course secret: a file others can read is used, with a warning that says how to fix it."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from grader.course.secret import SECRET_VARIABLE, load_secret


@pytest.fixture(autouse=True)
def no_secret_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SECRET_VARIABLE, raising=False)


def test_a_secret_readable_by_others_is_warned_about(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("course-secret\n")
    os.chmod(secret, 0o644)
    loaded = load_secret(secret)
    assert loaded.value == b"course-secret"
    assert "readable by others (mode 644)" in loaded.warning and f"chmod 600 {secret}" in loaded.warning


def test_a_private_secret_needs_no_warning(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("course-secret\n")
    os.chmod(secret, 0o600)
    assert load_secret(secret).warning == ""


def test_batch_says_the_warning_on_the_terminal(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from grader.cli.commands import main

    secret = tmp_path / "secret"
    secret.write_text("course-secret\n")
    os.chmod(secret, 0o644)
    (tmp_path / "class").mkdir()
    result = CliRunner().invoke(main, ["batch", str(tmp_path / "class"), "--out", str(tmp_path / "out"),
                                       "--secret-file", str(secret)])
    assert "is readable by others (mode 644)" in result.output, result.output
