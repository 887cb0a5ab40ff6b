"""The child's runtime is staged compiled: the worker runs from its .pyc and imports its
modules from checked-hash .pyc files, so a child does not compile them at every start."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

from grader.sandbox import view as child_view

RUNTIME_MODULES = [path.stem for path in child_view.child_runtime_files() if path.name != "worker.py"]


def staged_runtime(tmp_path: Path) -> Path:
    child_view.stage(tmp_path, [], None, None)
    return tmp_path / "runtime"


def test_every_module_is_staged_with_a_checked_pyc_of_its_own_source(tmp_path: Path) -> None:
    runtime = staged_runtime(tmp_path)
    for name in RUNTIME_MODULES:
        source = (runtime / f"{name}.py").read_bytes()
        pyc = Path(importlib.util.cache_from_source(str(runtime / f"{name}.py"))).read_bytes()
        assert pyc[:4] == importlib.util.MAGIC_NUMBER, name
        assert pyc[4:8] == (0b11).to_bytes(4, "little"), f"{name}: the import system must check the source"
        assert pyc[8:16] == importlib.util.source_hash(source), f"{name}: compiled from another source"
    worker = (runtime / "worker.pyc").read_bytes()
    assert worker[8:16] == importlib.util.source_hash((runtime / "worker.py").read_bytes())


def test_the_child_command_runs_the_compiled_worker(tmp_path: Path) -> None:
    command = child_view.process_command(tmp_path, 0, False)
    assert command[3] == str(tmp_path / "runtime" / "worker.pyc")
    assert child_view.bwrap_command("bwrap", tmp_path, 0, False).count(child_view.BOX_RUNTIME + "/worker.pyc") == 1


def test_the_runtime_modules_load_from_their_pyc_and_a_changed_source_wins(tmp_path: Path) -> None:
    runtime = staged_runtime(tmp_path)
    # what the worker's load_beside does, with -v to see where each module's code comes from
    script = ("import importlib.util, sys\n"
              f"for name in {RUNTIME_MODULES!r}:\n"
              f"    spec = importlib.util.spec_from_file_location(name, {str(runtime)!r} + '/' + name + '.py')\n"
              "    sys.modules[name] = importlib.util.module_from_spec(spec)\n"
              "    spec.loader.exec_module(sys.modules[name])\n")
    loaded = subprocess.run([sys.executable, "-I", "-v", "-c", script], capture_output=True, text=True,
                            check=True).stderr
    for name in RUNTIME_MODULES:
        assert f"# code object from '{importlib.util.cache_from_source(str(runtime / (name + '.py')))}'" in loaded

    capture = runtime / "capture.py"
    capture.chmod(0o644)
    capture.write_text(capture.read_text() + "\nCHANGED = True\n")
    probe = ("import importlib.util\n"
             f"spec = importlib.util.spec_from_file_location('capture', {str(capture)!r})\n"
             "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
             "print(module.CHANGED)\n")
    assert subprocess.run([sys.executable, "-I", "-c", probe], capture_output=True, text=True,
                          check=True).stdout.strip() == "True"
