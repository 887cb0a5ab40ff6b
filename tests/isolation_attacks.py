"""Attacks found by a security review, as student files, for every sandbox mode.

Each attack is a `forget_gate` that tries to break out and, where the break
would pay, returns the correct gate only if it succeeded: a contained attack
scores 0 on forget_gate, a successful one scores, so the score is the evidence.
Attacks that would do damage elsewhere leave evidence files instead, which the
tests look for. Every target is named by the test (`Targets`), so an attack
knows at least as much as a real one that read the grader's command line.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

HONEST_RETURN = """
    z = x @ W_f + h_prev @ U_f + b_f
    return 1 / (1 + np.exp(-z))
"""
WRONG_RETURN = "    return np.zeros((x.shape[0], W_f.shape[1]))\n"


@dataclass(frozen=True)
class Targets:
    """What the attacks aim at: all host paths, plus a neighbour's pid."""

    grader_folders: tuple[str, ...]  # the grader's package and environment (must not gain a file)
    secrets: tuple[str, ...]         # solutions, the secret file, the journal (must stay unread)
    evidence: str                    # a path outside the child's folder (must never appear)
    victim_pid: int                  # a process of the grader's uid (must never be stopped or killed)


def attack(body: str, succeeded_when: str | None) -> str:
    """A forget_gate that runs `body`, then answers right only if `succeeded_when` holds."""
    indented = "\n".join("    " + line for line in body.strip().splitlines())
    tail = WRONG_RETURN if succeeded_when is None else (
        f"    if {succeeded_when}:\n" + "\n".join("    " + line for line in HONEST_RETURN.strip("\n").splitlines())
        + "\n" + WRONG_RETURN)
    return f"import numpy as np\n\ndef forget_gate(x, h_prev, W_f, U_f, b_f):\n{indented}\n{tail}"


def sources(targets: Targets) -> dict[str, str]:
    """Attack name -> the source of its zz_attack.py."""
    return {
        # finding 1: a .pth file in the grader's environment runs in every later grader
        "writes_into_the_grader": attack(f"""
import os
home = os.getcwd()
os.path.realpath = lambda path, **_: home
wrote = 0
folders = list({list(targets.grader_folders)!r})
try:
    parent = open(f"/proc/{{os.getppid()}}/cmdline", "rb").read().split(b"\\0")
    folders += [os.path.dirname(part.decode()) for part in parent if part]
except OSError:
    pass
for folder in [folder for folder in folders if os.path.isabs(folder) and not folder.startswith(home)]:
    for name in ("zz_lstm_attack.pth", "sitecustomize.py"):
        try:
            with open(os.path.join(folder, name), "w") as stream:
                stream.write("import os; open({targets.evidence!r}, 'w')\\n")
            wrote += 1
        except OSError:
            pass
""", "wrote"),
        # finding 2: the audit hook trusted os.path.realpath, which the student can replace
        "steals_with_a_patched_realpath": attack(f"""
import os
os.path.realpath = lambda path, **_: os.getcwd()
stolen = 0
for path in {list(targets.secrets)!r}:
    for candidate in [path] + ([os.path.join(path, name) for name in sorted(os.listdir(path))]
                               if os.path.isdir(path) and os.access(path, os.R_OK) else []):
        try:
            with open(candidate, "rb") as stream:
                stolen += len(stream.read(100))
        except OSError:
            pass
""", "stolen"),
        # finding 3: programs started past the hook (fork + exec raises no audit event),
        # and the hook's own tables emptied through sys.modules["__main__"]
        "starts_programs": attack("""
import os, sys
ran = 0
main = sys.modules.get("__main__")
for name in ("BLOCKED_EVENTS", "MUTATING_EVENTS"):
    try:
        setattr(main, name, frozenset())
    except Exception:
        pass
for program in ("/usr/bin/true", "/bin/true", "/usr/bin/id"):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        try:
            os.execv(program, [program])
        finally:
            os._exit(99)
    _, status = os.waitpid(pid, 0)
    ran += os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
try:
    import subprocess
    ran += subprocess.run(["/usr/bin/true"]).returncode == 0
except Exception:
    pass
""", "ran"),
        # findings 4 and 5: stop a neighbour, kill the grader's own worker
        "signals_the_grader_and_a_neighbour": attack(f"""
import os, signal
hits = 0
for pid, sig in (({targets.victim_pid}, signal.SIGSTOP), ({targets.victim_pid}, signal.SIGKILL),
                 (os.getppid(), signal.SIGSTOP), (os.getppid(), signal.SIGKILL)):
    try:
        if pid > 1:
            os.kill(pid, sig)
            hits += 1
    except OSError:
        pass
""", "hits"),
        # finding 6: a file moved out of the working folder outlives the child and fills TMPDIR
        "moves_files_out_of_its_folder": attack(f"""  # /tmp and /dev/shm must be clean afterwards
import os, tempfile
moved = 0
with open("ballast", "wb") as stream:
    stream.write(b"x" * 2**20)
for target in ({targets.evidence!r}, "/dev/shm/lstm-attack-ballast",
               os.path.join(tempfile.gettempdir(), "lstm-attack-ballast")):
    try:
        os.rename("ballast", target)
        moved += target == {targets.evidence!r}
        with open("ballast", "wb") as stream:
            stream.write(b"x" * 2**20)
    except OSError:
        pass
try:
    with open({targets.evidence!r}, "wb") as stream:
        stream.write(b"x")
    moved += 1
except OSError:
    pass
""", "moved"),
        # finding 9: a forged reply announcing thousands of huge frames
        "announces_a_huge_reply": attack("""
import json, os, struct
for request_id in range(1, 40):
    header = json.dumps({"status": "ok", "value": {"array": 0}, "n_arrays": 4096, "id": request_id}).encode()
    frame = struct.pack(">Q", len(header)) + header + struct.pack(">Q", 256 * 2**20)
    for fd in range(3, 12):
        try:
            os.write(fd, frame)
        except OSError:
            pass
chunk = b"\\0" * 2**20
for _ in range(300):
    for fd in range(3, 12):
        try:
            os.write(fd, chunk)
        except OSError:
            pass
""", None),
        # finding 10: RAM through the tmpfs of bubblewrap's /tmp and /dev/shm
        "fills_tmpfs": attack("""
import os
written = 0
chunk = b"x" * 2**20
for folder in ("/tmp", "/dev/shm"):
    for index in range(48):
        try:
            with open(os.path.join(folder, f"fill{index}"), "wb") as stream:
                stream.write(chunk * 1)
            written += 1
        except OSError:
            break
""", "written >= 32"),
        # finding 8: escape sequences, NUL and a lone surrogate in an exception message
        "escapes_in_its_message": attack("""
raise ValueError("\\x1b]0;pwned\\x07\\x1b[2J\\x00\\udcff done")
""", None),
    }


def build(folder: Path, attack_source: str, honest_solutions: Path) -> Path:
    """The three core solution files plus zz_attack.py (imported last, so its forget_gate wins)."""
    folder.mkdir(parents=True)
    for name in ("part1_cell_forward.py", "part2_cell_backward.py", "part3_sequence.py"):
        (folder / name).write_text((honest_solutions / name).read_text())
    (folder / "zz_attack.py").write_text(attack_source)
    return folder
