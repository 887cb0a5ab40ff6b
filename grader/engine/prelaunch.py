"""A child started before the parent has imported the grading machinery, so the two start together.

`lstm-grader check` reads the submission and starts its child first, before
this process imports numpy; while the child imports numpy and confines
itself, the parent imports numpy, the parts, the checkers and the reference;
`grade_parts` then takes the child over. The child is the same `ChildSession`
as ever, confined the same way.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from grader.engine.submission import Submission, load_submission
from grader.sandbox.launch import Sandbox, start_child
from grader.sandbox.users import lease_user

if TYPE_CHECKING:
    from grader.sandbox import ChildSession


@dataclass
class Prelaunched:
    """A submission read and its child started, for `grade_parts` to take over (once)."""

    path: Path
    submission: Submission
    session: ChildSession

    def close(self) -> None:
        """Stop the child and drop the submission's scratch files (when grading never took them)."""
        self.session.close()
        self.submission.cleanup()


def prelaunch(submission_path: str | Path, sandbox: Sandbox, timeout: float) -> Prelaunched:
    """Read the submission and start its child; raises SubmissionError if it cannot be read."""
    submission = load_submission(submission_path)
    user = lease_user() if sandbox.own_users else None
    try:
        launched = start_child(sandbox, submission.files, submission.search_path, user.uid if user else None)
    except BaseException:
        if user is not None:
            user.release()
        submission.cleanup()
        raise
    from grader.sandbox.session import ChildSession  # imports numpy, while the child does the same

    session = ChildSession(submission.files, submission.module_names, submission.search_path,
                           load_timeout=timeout, sandbox=sandbox)
    session.prelaunch(launched, user)  # from here on, closing the session stops the child
    return Prelaunched(Path(submission_path), submission, session)
