"""The course secret and the per-student seeds derived from it.

    seed = HMAC-SHA256(secret, student id) mod 10^9

so every student gets their own hidden cases, a re-grade gets the same ones,
and without the secret nobody can work out another student's numbers. The
secret stays in the grading parent: the child's environment is built from
scratch and the secret file is not in the bubblewrap view.
"""
from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from pathlib import Path

SECRET_VARIABLE = "LSTM_GRADER_SECRET"
DEFAULT_SECRET_FILE = Path("~/.config/lstm-grader/secret")
SEED_RANGE = 1_000_000_000


class SecretError(Exception):
    """The configured secret file cannot be read or is empty."""


@dataclass(frozen=True)
class CourseSecret:
    value: bytes
    source: str  # where it came from, for the notice; never the value itself
    warning: str = ""  # said on the terminal: a file others can read, say

    @property
    def configured(self) -> bool:
        return bool(self.value)

    def seed_for(self, student: str) -> int:
        digest = hmac.new(self.value, student.encode("utf-8"), hashlib.sha256).hexdigest()
        return int(digest[:16], 16) % SEED_RANGE


def load_secret(secret_file: Path | None = None) -> CourseSecret:
    """The secret from LSTM_GRADER_SECRET, else from `secret_file`, else from
    ~/.config/lstm-grader/secret; an empty secret when none is configured."""
    from_environment = os.environ.get(SECRET_VARIABLE, "")
    if from_environment:
        return CourseSecret(from_environment.encode("utf-8"), f"${SECRET_VARIABLE}")
    candidates = [secret_file] if secret_file else [DEFAULT_SECRET_FILE.expanduser()]
    for candidate in candidates:
        if candidate is None or not candidate.exists():
            if secret_file is not None:
                raise SecretError(f"{secret_file}: no such secret file")
            continue
        try:
            value = candidate.read_bytes().strip()
        except OSError as error:
            raise SecretError(f"{candidate}: cannot be read ({error})") from error
        if not value:
            raise SecretError(f"{candidate}: the secret file is empty")
        return CourseSecret(value, str(candidate), exposure_warning(candidate))
    return CourseSecret(b"", "")


def exposure_warning(path: Path) -> str:
    """A warning when users other than the owner may read the secret file, else ''."""
    mode = path.stat().st_mode & 0o777
    if not mode & 0o077:
        return ""
    return (f"warning: the secret file {path} is readable by others (mode {mode:o}), so anyone on this "
            f"machine can work out every student's hidden cases; chmod 600 {path}")
