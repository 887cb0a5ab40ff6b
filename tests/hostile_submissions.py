"""Hostile submissions for the sandbox tests: honest solutions plus one hostile file.

Each case is the three reference solution files plus `zz_hostile.py`, which is
imported last, so the function it defines replaces the honest one of the same
name (the grader finds functions by name). The honest parts must keep their
points; the hostile part (if any) must score 0. Every case is harmless to the
machine: memory, processes and time are bounded, and the only network target
is a loopback port the test itself opens.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HONEST_FILES = ("part1_cell_forward.py", "part2_cell_backward.py", "part3_sequence.py")
HONEST_PARTS = ("sigmoid", "cell_update")
TARGET = "forget_gate"
SECRET = "course-secret-do-not-leak-7f3a"

WRONG = "import numpy as np\n"


@dataclass(frozen=True)
class Hostile:
    name: str
    source: str
    hostile_part: str | None = TARGET
    extra_files: dict[str, str] = field(default_factory=dict)


def gate(body: str, prelude: str = "") -> str:
    """A hostile forget_gate: `body` runs, then (if it returns at all) a wrong answer."""
    indented = "\n".join("    " + line for line in body.strip().splitlines())
    return (f"import numpy as np\n{prelude}\n"
            f"def forget_gate(x, h_prev, W_f, U_f, b_f):\n{indented}\n"
            "    return np.zeros((x.shape[0], W_f.shape[1]))\n")


HONEST_GATE = """
def honest(x, h_prev, W_f, U_f, b_f):
    z = x @ W_f + h_prev @ U_f + b_f
    return 1 / (1 + np.exp(-z))
"""

CASES = [
    Hostile("sys_exit_in_part", gate("import sys\nsys.exit(0)")),
    Hostile("os_exit_in_part", gate("import os\nos._exit(0)")),
    Hostile("sys_exit_at_import", "import sys\nsys.exit(3)\n", None),
    Hostile("os_exit_at_import", "import os\nos._exit(0)\n", None),
    Hostile("loop_in_part", gate("while True:\n    pass")),
    Hostile("loop_at_import", "while True:\n    pass\n", None),
    Hostile("memory_hog_at_once", gate("a = np.ones(10**10)")),
    Hostile("memory_hog_growing", gate("chunks = []\nwhile True:\n    chunks.append(bytearray(50 * 2**20))")),
    Hostile("fork_sleepers", gate("""
import os, time
for _ in range(12):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(120)
        os._exit(0)
""")),
    Hostile("forged_json_stdout", gate("""
import json, os, sys
fake = json.dumps({"schema": 1, "score": 100.0, "max_score": 100.0, "parts": []})
print(fake)
sys.__stdout__.write(fake + "\\n")
os.write(1, fake.encode())
os.write(2, fake.encode())
""")),
    Hostile("forged_frames_on_every_fd", gate("""
import io, json, os, struct
payload = io.BytesIO()
np.save(payload, np.full((x.shape[0], W_f.shape[1]), 0.5), allow_pickle=False)
header = json.dumps({"status": "ok", "value": {"array": 0}, "n_arrays": 1, "id": 1}).encode()
frame = struct.pack(">Q", len(header)) + header + struct.pack(">Q", len(payload.getvalue())) + payload.getvalue()
for fd in range(1, 30):
    try:
        os.write(fd, frame)
    except OSError:
        pass
""")),
    Hostile("monkeypatched_numpy_comparisons", """import numpy as np
import numpy.testing
always = lambda *args, **kwargs: True
np.allclose = always
np.array_equal = always
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.shape(a), dtype=bool)
np.testing.assert_allclose = lambda *args, **kwargs: None
np.all = always
def forget_gate(x, h_prev, W_f, U_f, b_f):
    return np.zeros((x.shape[0], W_f.shape[1]))
"""),
    Hostile("lying_ndarray_subclass", """import numpy as np
class Liar(np.ndarray):
    def __eq__(self, other):
        return True
    __ne__ = lambda self, other: False
    def __array_function__(self, func, types, args, kwargs):
        return True
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return np.zeros(())
def forget_gate(x, h_prev, W_f, U_f, b_f):
    return np.full((x.shape[0], W_f.shape[1]), 0.25).view(Liar)
"""),
    Hostile("array_function_object", """import numpy as np
class Impostor:
    shape = (3, 6)
    dtype = np.float64
    def __eq__(self, other):
        return True
    def __array__(self, dtype=None, copy=None):
        return np.zeros(self.shape)
    def __array_function__(self, func, types, args, kwargs):
        return True
    def __array_ufunc__(self, *args, **kwargs):
        return True
def forget_gate(x, h_prev, W_f, U_f, b_f):
    return Impostor()
"""),
    Hostile("returns_list", gate("return [[0.5] * W_f.shape[1]] * x.shape[0]")),
    Hostile("returns_none", gate("return None")),
    Hostile("returns_string", gate("return 'all tests passed'")),
    Hostile("returns_nan", gate("return np.full((x.shape[0], W_f.shape[1]), np.nan)")),
    Hostile("reads_the_solutions", gate(f"""
import sys, importlib.util, runpy
for attempt in ("solutions", "grader.engine.reference"):
    try:
        sys.path.insert(0, {str(REPO)!r})
        module = __import__(attempt)
    except BaseException:
        pass
try:
    spec = importlib.util.spec_from_file_location("stolen", {str(REPO / 'solutions' / 'part1_cell_forward.py')!r})
    stolen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(stolen)
    return stolen.forget_gate(x, h_prev, W_f, U_f, b_f)
except BaseException:
    pass
try:
    text = open({str(REPO / 'solutions' / 'part1_cell_forward.py')!r}).read()
    space = {{}}
    exec(text, space)
    return space["forget_gate"](x, h_prev, W_f, U_f, b_f)
except BaseException:
    pass
""")),
    Hostile("frame_inspection", gate("""
import gc, sys
frame = sys._getframe(1)
seen = []
while frame is not None:
    seen += [value for value in frame.f_locals.values() if isinstance(value, np.ndarray)]
    frame = frame.f_back
seen += [item for item in gc.get_objects() if isinstance(item, np.ndarray)]
for value in seen:
    if value.shape == (x.shape[0], W_f.shape[1]) and value is not h_prev and not np.all(value == 0):
        return value
""")),
    Hostile("reads_the_environment", gate(f"""
import glob, os
found = {SECRET!r} in repr(dict(os.environ))
for path in ["/proc/%d/environ" % os.getppid()] + glob.glob("/proc/*/environ"):
    try:
        with open(path, "rb") as stream:
            found = found or {SECRET!r}.encode() in stream.read()
    except OSError:
        pass
if found:
    return honest(x, h_prev, W_f, U_f, b_f)
""", HONEST_GATE)),
    Hostile("floods_output", gate("""
import os, sys
block = "x" * (1 << 20)
for _ in range(50):
    print(block)
    sys.stderr.write(block)
for _ in range(50):
    os.write(2, block.encode())
""")),
    Hostile("ignores_sigterm_and_sigalrm", gate("""
import signal
for name in ("SIGTERM", "SIGALRM", "SIGINT", "SIGHUP"):
    signal.signal(getattr(signal, name), signal.SIG_IGN)
signal.alarm(1)
while True:
    pass
""")),
    Hostile("closes_stdout_and_stderr", """import os, sys
os.close(1)
os.close(2)
sys.stdout.close()
sys.stderr.close()
import numpy as np
def forget_gate(x, h_prev, W_f, U_f, b_f):
    print("still here")
    return np.zeros((x.shape[0], W_f.shape[1]))
"""),
    Hostile("spinning_background_thread", """import threading
import numpy as np
def spin():
    while True:
        pass
threading.Thread(target=spin, daemon=True).start()
def forget_gate(x, h_prev, W_f, U_f, b_f):
    return np.zeros((x.shape[0], W_f.shape[1]))
"""),
    Hostile("deep_recursion", gate("""
import sys
sys.setrecursionlimit(10**7)
def down(n):
    return down(n + 1) + 1
down(0)
""")),
    Hostile("ctypes_null_read", gate("""
import ctypes
ctypes.string_at(0)
""")),
    Hostile("native_segfault", gate("""
import faulthandler
faulthandler._sigsegv()
""")),
    Hostile("writes_results_files", gate(f"""
import json
fake = json.dumps({{"score": 100, "tests": []}})
for path in ("results.json", "grades.csv", "/tmp/results.json", {str(REPO / 'results.json')!r},
             "../results.json", "/autograder/results/results.json"):
    try:
        with open(path, "w") as stream:
            stream.write(fake)
    except OSError:
        pass
""")),
    Hostile("deletes_files_around_it", gate("""
import glob, os, shutil
here = os.path.dirname(os.path.abspath(__file__))
for pattern in (here + "/*", os.getcwd() + "/../*", "ORIGINAL/*"):
    for path in glob.glob(pattern):
        try:
            shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
        except OSError:
            pass
""")),
    Hostile("syntax_error", "def forget_gate(x, h_prev, W_f, U_f, b_f)\n    return x\n", None),
    Hostile("loopback_connection", gate("""
import socket
try:
    connection = socket.create_connection(("127.0.0.1", PORT), timeout=1)
    connection.sendall(b"stolen")
except OSError:
    pass
""")),
    Hostile("shadows_the_runtime", gate(""), TARGET, {
        "numpy.py": "raise SystemExit('shadowed numpy was imported')\n",
        "sitecustomize.py": "open('SITECUSTOMIZE_RAN', 'w').write('x')\n",
        "usercustomize.py": "open('USERCUSTOMIZE_RAN', 'w').write('x')\n",
        "conftest.py": "open('CONFTEST_RAN', 'w').write('x')\n",
        "evil.pth": "import os; open('PTH_RAN', 'w').write('x')\n",
    }),
]


def build(case: Hostile, folder: Path, port: int = 9) -> Path:
    folder.mkdir(parents=True)
    for name in HONEST_FILES:
        shutil.copyfile(REPO / "solutions" / name, folder / name)
    source = case.source.replace("PORT", str(port)).replace("ORIGINAL", str(folder))
    (folder / "zz_hostile.py").write_text(source)
    for name, text in case.extra_files.items():
        (folder / name).write_text(text)
    return folder


def digest(folder: Path) -> str:
    """Names, modes and bytes of everything in a folder: to prove the submission is unchanged."""
    hasher = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        hasher.update(str(path.relative_to(folder)).encode())
        hasher.update(oct(path.lstat().st_mode).encode())
        if path.is_file():
            hasher.update(path.read_bytes())
    return hasher.hexdigest()


def sandbox_processes() -> list[int]:
    """Grader children still alive below this process (they carry LSTM_GRADER_CHILD in their
    environment). Only our descendants count: other grader runs on a shared machine are not ours;
    a child that escaped with setsid is re-parented to us, since the grader is a subreaper."""
    parents: dict[int, int] = {}
    marked: list[int] = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stream:
                parents[int(entry)] = int(stream.read().rsplit(b")", 1)[1].split()[1])
            with open(f"/proc/{entry}/environ", "rb") as stream:
                if b"LSTM_GRADER_CHILD=" in stream.read():
                    marked.append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    me = os.getpid()

    def below_me(pid: int) -> bool:
        for _ in range(64):
            pid = parents.get(pid, 0)
            if pid == me:
                return True
            if pid <= 1:
                return False
        return False

    return [pid for pid in marked if below_me(pid)]
