"""What a child may see: the staged folder, its Landlock rules, its command line.

The child's view is the Python runtime (its standard library and the shared
libraries it loads), numpy, the files of grader/child/ and the staged
submission, all read only, and one private working folder it may write.
Installed-package folders are carved out of the runtime, so the grader's own
package, its virtual environment and anything else installed beside numpy
stay unreadable even where they live under an allowed folder. The same rules
hold in both modes; inside bubblewrap they are also all there is to see.

    staging/                  (root-owned; group = the child's when it has its own uid)
      runtime/  worker.py protocol.py capture.py ... and their .pyc        read only
      site/     numpy -> the grader's numpy, numpy.libs -> ...  read only
      submission/  the student's .py files, copied              read only
      work/     the child's working folder and HOME             read-write
"""
from __future__ import annotations

import functools
import importlib.util
import json
import marshal
import os
import shutil
import site
import sys
import sysconfig
from pathlib import Path
from typing import Sequence

GRADER_DIR = Path(__file__).resolve().parents[1]
CHILD_DIR = GRADER_DIR / "child"  # the only grader code the child runs, copied into its view
MAX_STAGED_FILES = 200
MAX_STAGED_BYTES = 20 * 1024 * 1024
TMPFS_BYTES = 8 * 1024 * 1024
UNPRIVILEGED_UID = 65534  # nobody, inside bubblewrap's user namespace
SYSTEM_LIBRARY_DIRS = ("/usr/lib", "/usr/lib64", "/usr/lib32", "/lib", "/lib64", "/lib32")
DEVICES = ("/dev/null", "/dev/zero", "/dev/urandom", "/dev/random")

# where things appear inside the bubblewrap view
BOX_ROOT = "/sandbox"
BOX_SITE = BOX_ROOT + "/site"
BOX_RUNTIME = BOX_ROOT + "/runtime"
BOX_SUBMISSION = BOX_ROOT + "/submission"
BOX_WORK = BOX_ROOT + "/work"


def child_runtime_files() -> list[Path]:
    """Every module of grader/child/: the folder is the boundary, loaded by path in the child."""
    return sorted(path for path in CHILD_DIR.glob("*.py") if path.name != "__init__.py")


CHECKED_HASH_PYC = (0b11).to_bytes(4, "little")  # PEP 552 flags: hash based, checked against the source


@functools.lru_cache(maxsize=None)
def compiled_runtime() -> tuple[tuple[str, bytes], ...]:
    """(file name, checked-hash .pyc bytes) of each runtime module, compiled once per grader.

    The child's runtime folder is read only, so without these it would compile
    the worker and its modules at every start. The import system checks each
    .pyc against the source's hash before using it.
    """
    compiled = []
    for source in child_runtime_files():
        data = source.read_bytes()
        code = compile(data, source.name, "exec", dont_inherit=True)  # not the grader's own path
        header = importlib.util.MAGIC_NUMBER + CHECKED_HASH_PYC + importlib.util.source_hash(data)
        compiled.append((source.name, header + marshal.dumps(code)))
    return tuple(compiled)


def solutions_dir() -> Path:
    """The reference solutions, which no child may read: $LSTM_GRADER_SOLUTIONS, else
    solutions/ beside the package."""
    configured = os.environ.get("LSTM_GRADER_SOLUTIONS")
    if configured:
        return Path(configured)
    return GRADER_DIR.parent / "solutions"


def interpreter() -> str:
    """The grader's own interpreter binary: the child runs exactly this."""
    return os.path.realpath(sys.executable)


def numpy_folders() -> list[str]:
    """numpy's package folder and, for a wheel, the bundled libraries beside it."""
    spec = importlib.util.find_spec("numpy")  # where `import numpy` would load it from, without loading it
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("numpy is not installed beside the grader")
    numpy_dir = os.path.dirname(os.path.realpath(spec.origin))
    libs = numpy_dir + ".libs"
    return [numpy_dir] + ([libs] if os.path.isdir(libs) else [])


def package_folders() -> list[str]:
    """Every installed-package folder of this runtime and of its base (venv or not)."""
    folders = set(site.getsitepackages() if hasattr(site, "getsitepackages") else [])
    for base in {sys.prefix, sys.base_prefix}:
        paths = sysconfig.get_paths(vars={"base": base, "platbase": base})
        folders |= {paths["purelib"], paths["platlib"]}
    folders |= {str(GRADER_DIR), str(GRADER_DIR.parent / "solutions")}
    return sorted(os.path.realpath(folder) for folder in folders if os.path.isdir(folder))


def allowed_except(root: str, excluded: list[str]) -> list[str]:
    """Folders and files that together allow all of `root` except what lies under `excluded`.

    Landlock only adds rights, so leaving a folder out means naming each of
    its siblings instead of their parent.
    """
    return allowed_except_real(os.path.realpath(root), excluded)


def allowed_except_real(root: str, excluded: list[str]) -> list[str]:
    """`allowed_except` for a `root` that is already a real path: so is every entry of it that is
    not a symlink, which spares a realpath per entry (a few hundred in the stdlib's folder)."""
    inside = [path for path in excluded if path == root or path.startswith(root.rstrip(os.sep) + os.sep)]
    if not inside:
        return [root]
    if root in inside:
        return []
    allowed = []
    try:
        names = sorted(os.listdir(root))
    except OSError:
        return []
    for name in names:
        path = os.path.join(root, name)
        if os.path.islink(path):
            continue  # its target is allowed, or not, on its own
        allowed += allowed_except_real(path, inside)
    return allowed


@functools.lru_cache(maxsize=None)
def runtime_read_paths() -> tuple[str, ...]:
    """Host paths the child may read: the runtime without its package folders, numpy, devices."""
    excluded = package_folders()
    paths: list[str] = []
    for root in runtime_roots():
        paths += allowed_except(root, excluded)
    paths += numpy_folders() + RUNTIME_FILES
    return tuple(dict.fromkeys(path for path in paths if os.path.exists(path)))


RUNTIME_FILES = ["/etc/ld.so.cache", "/etc/localtime"]


def runtime_roots() -> list[str]:
    """The folders the runtime lives in: the interpreter's prefixes and stdlib, the system's libraries."""
    roots = {sys.base_prefix, sys.base_exec_prefix, sysconfig.get_paths()["stdlib"],
             sysconfig.get_paths()["platstdlib"], os.path.dirname(interpreter())}
    roots |= {folder for folder in SYSTEM_LIBRARY_DIRS if os.path.isdir(folder)}
    return sorted(os.path.realpath(root) for root in roots)


def landlock_paths(root: str, readable: tuple[str, ...], writable: tuple[str, ...],
                   runtime: Sequence[str] | None = None) -> dict[str, list[str]]:
    """What a child's Landlock domain may read and write, with paths as the child sees them: the
    runtime (`runtime_read_paths` unless given), numpy, the staging root's runtime/, site/ and
    `readable` folders; its `writable` ones."""
    runtime = runtime_read_paths() if runtime is None else runtime
    return {"read": [*runtime, *(f"{root}/{name}" for name in ("runtime", "site", *readable))],
            "write": [*(f"{root}/{name}" for name in writable), "/dev/null"]}


def nested_landlock_paths(root: str, readable: tuple[str, ...], writable: tuple[str, ...]) -> dict[str, list[str]]:
    """`landlock_paths` for a domain nested in one of `landlock_paths(root, ...)` (a zygote's fork).

    Landlock grants only what every domain of a process allows, so the outer
    domain already keeps the package folders out of the runtime; the nested one
    names the runtime's folders whole (a dozen rules instead of a few hundred,
    a few ms less per fork) and narrows only the staging root, to `readable`
    and `writable`. Where a runtime folder holds the staging root, the nested
    domain names the paths one by one, as the outer one does.
    """
    roots = [*runtime_roots(), *numpy_folders()]
    if any(root == folder or root.startswith(folder.rstrip(os.sep) + os.sep) for folder in roots):
        return landlock_paths(root, readable, writable)
    return landlock_paths(root, readable, writable,
                          [path for path in dict.fromkeys(roots + RUNTIME_FILES) if os.path.exists(path)])


def confinement_spec(root: str, landlock_abi: int, seccomp: bool, readable: tuple[str, ...] = ("submission",),
                     writable: tuple[str, ...] = ("work",)) -> str:
    """The worker's --confine argument: which rules to apply (`landlock_paths`), and that it may
    execute only the interpreter."""
    return json.dumps({"landlock": landlock_abi, "seccomp": seccomp, **landlock_paths(root, readable, writable),
                       "execute": [interpreter()]})


def stage(root: Path, files: list[Path], search_path: Path | None, child_uid: int | None) -> Path:
    """Lay out the staging folder (see the module docstring); returns the submission folder.

    Only regular .py files are copied (no symlinks), at most MAX_STAGED_FILES
    files and MAX_STAGED_BYTES bytes, so the child imports a copy it cannot
    change and never sees the original folder.
    """
    submission, work = root / "submission", root / "work"
    stage_runtime(root)
    for folder in (submission, work):
        folder.mkdir()
    copy_sources(files, search_path, submission)
    os.chmod(submission, 0o555)
    if child_uid is not None:
        # only this child's group may enter: a neighbour with another uid cannot read this submission
        os.chown(root, 0, child_uid)
        os.chmod(root, 0o750)
        os.chown(work, child_uid, child_uid)
    else:
        os.chmod(root, 0o711)
    os.chmod(work, 0o700)
    return submission


def stage_runtime(root: Path) -> None:
    """root/runtime (grader/child/ and its .pyc) and root/site (numpy), read only."""
    runtime, site_dir = root / "runtime", root / "site"
    for folder in (runtime, site_dir):
        folder.mkdir()
    for source in child_runtime_files():
        shutil.copyfile(source, runtime / source.name)
        os.chmod(runtime / source.name, 0o444)
    stage_compiled(runtime)
    for folder in numpy_folders():
        os.symlink(folder, site_dir / os.path.basename(folder))
    for folder in (runtime, site_dir):
        os.chmod(folder, 0o555)


def stage_compiled(runtime: Path) -> None:
    """runtime/__pycache__/<module>.<tag>.pyc for the imported modules, and runtime/worker.pyc,
    which the child runs as its script (a script's code is never cached)."""
    cache = runtime / "__pycache__"
    cache.mkdir()
    for name, pyc in compiled_runtime():
        source = str(runtime / name)
        target = Path(source + "c" if name == "worker.py" else importlib.util.cache_from_source(source))
        target.write_bytes(pyc)
        os.chmod(target, 0o444)
    os.chmod(cache, 0o555)


def copy_sources(files: list[Path], search_path: Path | None, submission: Path) -> None:
    sources = list(files)
    if search_path is not None:
        sources += sorted(item for item in Path(search_path).glob("*.py")
                          if item.is_file() and not item.is_symlink())
    copied: set[str] = set()
    total = 0
    for source in sources:
        if source.name in copied or len(copied) >= MAX_STAGED_FILES:
            continue
        size = source.stat().st_size
        if total + size > MAX_STAGED_BYTES:
            continue
        shutil.copyfile(source, submission / source.name, follow_symlinks=False)
        os.chmod(submission / source.name, 0o444)
        copied.add(source.name)
        total += size


def process_command(root: Path, landlock_abi: int, seccomp: bool, readable: tuple[str, ...] = ("submission",),
                    writable: tuple[str, ...] = ("work",), extra: tuple[str, ...] = ()) -> list[str]:
    """The child's command in the process sandbox: the interpreter, isolated (-I) and without
    site (-S: no .pth file of any installed package runs), numpy from the staged site folder."""
    return [interpreter(), "-I", "-S", str(root / "runtime" / "worker.pyc"), "--site", str(root / "site"),
            "--confine", confinement_spec(str(root), landlock_abi, seccomp, readable, writable), *extra]


def system_binds() -> list[str]:
    """The system folders Python needs (read only); /lib and friends may be symlinks to /usr."""
    arguments = ["--ro-bind", "/usr", "/usr"]
    for name in ("/lib", "/lib64", "/lib32", "/bin", "/sbin"):
        if os.path.islink(name):
            arguments += ["--symlink", os.readlink(name), name]
        elif os.path.isdir(name):
            arguments += ["--ro-bind", name, name]
    arguments += ["--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache"]
    return arguments


def bwrap_command(bwrap: str, root: Path, landlock_abi: int, seccomp: bool, readable: tuple[str, ...] = ("submission",),
                  writable: tuple[str, ...] = ("work",), extra: tuple[str, ...] = ()) -> list[str]:
    """The bubblewrap command line: new namespaces, the minimal view, sized tmpfs, then the
    same worker command with the same Landlock rules (paths as seen inside); the staging
    root's `readable` folders are bound read only, its `writable` ones (the first is the
    working folder) read-write."""
    size = str(TMPFS_BYTES)
    arguments = [bwrap, "--unshare-all", "--unshare-user", "--uid", str(UNPRIVILEGED_UID),
                 "--gid", str(UNPRIVILEGED_UID), "--die-with-parent", "--new-session",
                 "--hostname", "sandbox", *system_binds(),
                 "--proc", "/proc", "--dev", "/dev", "--size", size, "--tmpfs", "/dev/shm",
                 "--size", size, "--tmpfs", "/tmp"]
    if not sys.base_prefix.startswith("/usr/"):
        arguments += ["--ro-bind", sys.base_prefix, sys.base_prefix]
    for folder in package_folders():
        if any(folder.startswith(prefix) for prefix in ("/usr/", sys.base_prefix + "/")):
            arguments += ["--size", "4096", "--tmpfs", folder, "--remount-ro", folder]
    for folder in numpy_folders():
        arguments += ["--ro-bind", folder, BOX_SITE + "/" + os.path.basename(folder)]
    arguments += ["--ro-bind", str(root / "runtime"), BOX_RUNTIME]
    for name in readable:
        arguments += ["--ro-bind", str(root / name), f"{BOX_ROOT}/{name}"]
    for name in writable:
        arguments += ["--bind", str(root / name), f"{BOX_ROOT}/{name}"]
    arguments += ["--chdir", f"{BOX_ROOT}/{writable[0]}", "--remount-ro", "/",
                  interpreter(), "-I", "-S", BOX_RUNTIME + "/worker.pyc", "--site", BOX_SITE,
                  "--confine", confinement_spec(BOX_ROOT, landlock_abi, seccomp, readable, writable), *extra]
    return arguments
