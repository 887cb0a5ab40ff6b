"""summary.md: what a reader of the class summary is told about how the class was graded."""
from __future__ import annotations

import re

from grader.report.class_summary import render_summary_markdown, summarise
from grader.sandbox import Limits, Sandbox


def graded(isolation: str) -> dict:
    """A saved report with what the summary reads from it."""
    return {"score": 50.0, "max_score": 100.0, "bonus": 0.0, "parts": [], "isolation": isolation}


def isolation_section(reports: dict[str, dict]) -> str:
    markdown = render_summary_markdown(summarise(reports, {}))
    return markdown.split("## Isolation\n", 1)[1]


def test_the_isolation_section_names_the_mode_each_layer_and_each_limit() -> None:
    limits = Limits(cpu_seconds=33, address_space_bytes=900 * 2**20, processes=77, file_size_bytes=5 * 2**20,
                    open_files=55)
    sandbox = Sandbox("bwrap", limits, landlock_abi=7, seccomp=True)
    section = isolation_section({f"student{number}": graded(sandbox.isolation) for number in range(9)})
    assert "9 submissions graded in bwrap mode:" in section
    bullets = [line.strip() for line in section.splitlines() if line.strip().startswith("- ")]
    assert "- user/pid/net/ipc namespaces, minimal read-only view, sized /tmp" in bullets
    assert "- seccomp (no sockets, no new programs)" in bullets and "- clean environment" in bullets
    limits_line = next(line for line in bullets if line.startswith("- rlimits"))
    for limit in ("CPU time 33 s", "address space 900 MiB", "file size 5 MiB", "77 processes", "55 open files",
                  "no core dumps"):
        assert limit in limits_line
    assert not re.search(r": \d+$", section, flags=re.M)  # a count reads as a count, not as a limit's value


def test_each_isolation_used_gets_its_own_count_and_a_missing_one_is_said() -> None:
    process = Sandbox("process", Limits(), landlock_abi=6, seccomp=True, own_users=True).isolation
    section = isolation_section({"ann": graded(process), "bob": graded(process), "cy": graded("")})
    assert "2 submissions graded in process mode:" in section
    assert "1 submission: isolation not recorded" in section
    assert "- a uid of its own per child" in section and "- own session" in section
