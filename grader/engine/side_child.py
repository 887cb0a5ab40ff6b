"""A part slow enough to be checked in a child of its own, while the other parts are checked.

The forecast trains a model for a while; on a machine with two cores it need
not keep the other parts waiting. `SideChild` starts a second child with the
same submission and the same isolation in a thread of the parent, checks the
parts declared `own_child` there, and hands their results back. The child is
as confined as the main one: it is made by the same `ChildSession`.
"""
from __future__ import annotations

import threading
from typing import Any

from grader.engine.checks import PartContext, check_part
from grader.engine.parts import Part
from grader.engine.reference import ReferenceSource
from grader.engine.results import PartResult
from grader.engine.submission import Submission
from grader.sandbox import ChildDied, ChildSession, ChildTimeout, Sandbox


class SideChild:
    """Checks `parts` in a second child, in a thread; `results()` waits for them."""

    def __init__(self, submission: Submission, parts: list[Part], reference: ReferenceSource, seed: int,
                 timeout: float, sandbox: Sandbox) -> None:
        self.parts = parts
        self.session = ChildSession(submission.files, submission.module_names, submission.search_path,
                                    load_timeout=timeout, sandbox=sandbox)
        self.context = PartContext(self.session, reference, seed, timeout)
        self.found: dict[str, PartResult] = {}
        self.failure: BaseException | None = None
        self.stopped = False
        self.thread = threading.Thread(target=self.run, name="lstm-grader-side-child", daemon=True)
        self.thread.start()

    def run(self) -> None:
        try:
            self.session.start()
            for part in self.parts:
                if self.stopped:
                    return
                self.found[part.name] = check_part(part, self.context)
        except (ChildTimeout, ChildDied):
            pass  # the import failed here as in the main child, which reports it for every part
        except BaseException as error:  # noqa: BLE001  (the machine's or the sandbox's failure: raised in the caller)
            self.failure = error
        finally:
            self.session.close()

    def results(self) -> dict[str, PartResult]:
        """The parts' results by name, once all are checked; re-raises what the main thread must see."""
        self.thread.join()
        if self.failure is not None:
            raise self.failure
        return self.found

    def stop(self) -> None:
        """No more parts: stop the child now (the main child's import failed)."""
        self.stopped = True
        self.session.interrupt()  # the side thread owns the session: it closes it when the child is gone
        self.thread.join()

    def __enter__(self) -> SideChild:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.thread.is_alive():
            self.stop()
