"""The child process: the only code that imports and runs student files.

Started by `grader.sandbox.launch` as `python -I -S worker.pyc --site DIR --confine JSON`
from a staged copy, compiled once by the grader (grader.sandbox.view). Before it
imports numpy it confines itself with Landlock and seccomp as the grader asked.
It speaks the protocol of `grader.child.protocol` on two private file
descriptors; the student's prints go to a capture buffer (`grader.child.capture`)
or to the stderr pipe, never to the result channel. It
holds no reference solution, expected value or seed: it gets inputs, calls the
student's function, and sends back plain arrays.
"""
from __future__ import annotations

import importlib.util
import json
import os
import signal
import sys
import time
import warnings
from typing import Any


def load_beside(name: str) -> Any:
    """Load one of the runtime files staged beside this script by path: it runs alone
    under `python -I -S`, and the rest of the grader package stays out of reach."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"lstm_grader_{name}", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[spec.name] = module  # type: ignore[union-attr]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def parse_arguments(argv: list[str]) -> dict[str, str]:
    """--site DIR (where numpy is) and --confine JSON (grader.sandbox.view.confinement_spec)."""
    found = {}
    for flag, value in zip(argv[1::2], argv[2::2]):
        found[flag.lstrip("-")] = value
    return found


def confine(spec_text: str | None) -> dict[str, Any]:
    """Apply Landlock, then the seccomp filter, as the spec asks; say what holds.

    Runs before numpy is imported and long before any student file, so the
    rules hold for everything the student will ever run.
    """
    spec = json.loads(spec_text) if spec_text else {}
    held: dict[str, Any] = {"landlock": 0, "seccomp": False, "errors": []}
    if spec.get("landlock"):
        landlock = load_beside("landlock")
        try:
            held["landlock"] = landlock.restrict(spec["read"], spec["write"], spec["execute"],
                                                 minimum_abi=min(int(spec["landlock"]), 6))
        except landlock.LandlockError as error:
            held["errors"].append(f"Landlock: {error}")
    if spec.get("seccomp"):
        seccomp = load_beside("seccomp")
        try:
            seccomp.install()
            held["seccomp"] = True
        except seccomp.SeccompError as error:
            held["errors"].append(f"seccomp: {error}")
    return held


ARGUMENTS = parse_arguments(sys.argv)
CONFINEMENT = confine(ARGUMENTS.get("confine"))
if ARGUMENTS.get("site"):
    sys.path.append(ARGUMENTS["site"])  # -I ignores PYTHONPATH; numpy is staged alone here

import numpy as np  # noqa: E402  (imported before the submission can shadow it)

protocol = load_beside("protocol")
capture = load_beside("capture")
snapshot = load_beside("snapshot")
guard = load_beside("guard")


def hello_answer() -> dict[str, Any]:
    """How this process is confined and what it runs: the parent checks it before any student file."""
    return {"status": "ok", "confinement": CONFINEMENT, "python": sys.version, "numpy": np.__version__}


class Worker:
    def __init__(self, channel_in: Any, channel_out: Any) -> None:
        self.channel_in = channel_in
        self.channel_out = channel_out
        self.functions: dict[str, Any] = {}
        self.handles: dict[str, Any] = {}
        self.student_files: set[str] = set()
        self.ahead: tuple[int, int] | None = None  # (pid, read end) of the copy running a call ahead
        self.started_ahead: float | None = None  # in that copy: when its call began

    request_id: Any = None

    def reply(self, header: protocol.ReplyHeader, arrays: list[np.ndarray] | None = None) -> None:
        # echo the request's id: the parent drops any frame that does not carry it
        if self.started_ahead is not None:  # a copy says how long its call took: it ran meanwhile
            header = dict(header, seconds=time.monotonic() - self.started_ahead)  # type: ignore[assignment]
        protocol.send_message(self.channel_out, dict(header, id=self.request_id), arrays or [])

    def serve(self) -> None:
        while True:
            try:
                header, arrays = protocol.receive_message(self.channel_in)
            except EOFError:
                return
            self.request_id = header.get("id")
            operation = header.get("op")
            if operation == "hello":
                self.reply(hello_answer())
            elif CONFINEMENT["errors"]:
                self.reply({"status": "protocol_error"})  # not confined: no student code runs
            elif operation == "load":
                self.load(header)
            elif operation == "call" and header.get("ahead"):
                self.call_ahead(header, arrays)
            elif operation == "call":
                self.call(header, arrays)
            elif operation == "collect":
                self.collect()
            elif operation == "perturb":
                self.perturb(header, arrays)
            elif operation == "reset":
                self.handles.clear()
                self.reply({"status": "ok"})
            else:
                self.reply({"status": "protocol_error"})  # an operation this child does not know

    def load(self, header: protocol.LoadRequest) -> None:
        search_path = header.get("search_path")
        if search_path and search_path not in sys.path:
            sys.path.append(search_path)  # appended: it can never shadow numpy or the stdlib
        guard.install_guard(header["files"], search_path)
        printed = capture.CappedText()
        problems = []
        for path, module_name in zip(header["files"], header["module_names"]):
            self.student_files.add(os.path.realpath(path))
            try:
                with capture.redirect_output(printed):
                    module = import_by_path(module_name, path)
            except BaseException as error:  # noqa: BLE001  (SystemExit too: it costs only this file)
                problems.append({"file": path, "error": capture.describe_error(error, self.student_files)})
                continue
            self.collect_functions(module)
        self.reply({"status": "ok", "problems": problems, "output": printed.text(),
                    "functions": sorted(self.functions)})

    def collect_functions(self, module: Any) -> None:
        for name, value in vars(module).items():
            if not callable(value) or name.startswith("__"):
                continue
            defined_here = getattr(value, "__module__", None) == module.__name__
            if defined_here or name not in self.functions:
                self.functions[name] = value

    def call(self, header: protocol.CallRequest, arrays: list[np.ndarray]) -> None:
        function = self.functions.get(header["function"])
        if function is None:
            self.reply({"status": "missing"})
            return
        try:
            args = [self.resolve(protocol.decode_value(tree, arrays)) for tree in header["args"]]
        except KeyError:  # a handle whose call failed: the grader, reading in order, saw that failure first
            self.reply({"status": "error", "error": "an argument is a kept object that does not exist"})
            return
        taken = snapshot.snapshot_arrays(args, header.get("arg_names"))
        printed = capture.CappedText()
        try:
            with capture.redirect_output(printed), warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                result = function(*args)
        except NotImplementedError:
            self.reply({"status": "not_implemented", "output": printed.text()})
            return
        except BaseException as error:  # noqa: BLE001
            self.reply({"status": "error", "error": capture.describe_error(error, self.student_files),
                        "output": printed.text()})
            return
        out_arrays: list[np.ndarray] = []
        tree = self.encode_result(result, header.get("keep", []), out_arrays, header.get("keep_as") or [])
        self.reply({"status": "ok", "value": tree, "output": printed.text(),
                    "modified": snapshot.modified_arrays(taken), "warnings": capture.describe_warnings(caught)},
                   out_arrays)

    def call_ahead(self, header: protocol.CallRequest, arrays: list[np.ndarray]) -> None:
        """Make the call in a copy of this process (fork), answer at once whether it started,
        and serve other requests meanwhile; `collect` hands over the copy's reply."""
        self.drop_ahead()
        if header["function"] not in self.functions:
            self.reply({"status": "ok", "started": False})  # the plain call later says it is missing
            return
        try:
            read_end, write_end = os.pipe()
        except OSError:  # no descriptor left: the call is made later, here
            self.reply({"status": "ok", "started": False})
            return
        try:
            pid = os.fork()
        except OSError:  # no process left under the limit: the same
            os.close(read_end)
            os.close(write_end)
            self.reply({"status": "ok", "started": False})
            return
        if pid == 0:
            os.close(read_end)
            self.channel_in.close()  # the requests and the result channel are the original's
            self.channel_out.close()
            self.channel_out = os.fdopen(write_end, "wb")
            self.started_ahead = time.monotonic()
            try:
                self.call(header, arrays)
            finally:
                os._exit(0)
        os.close(write_end)
        self.ahead = (pid, read_end)
        self.reply({"status": "ok", "started": True})

    def collect(self) -> None:
        """The reply of the call made ahead, once its copy sent it; "died" with the copy's exit
        code when it ended without one."""
        if self.ahead is None:
            self.reply({"status": "protocol_error"})
            return
        pid, read_end = self.ahead
        self.ahead = None
        with os.fdopen(read_end, "rb") as stream:
            try:
                header, arrays = protocol.receive_message(stream)
            except (EOFError, protocol.ProtocolError):
                header, arrays = {}, []
        if header.get("status") is not None:
            stop_copy(pid)  # its answer is here; whatever else it does (its os._exit replaced?) is of no use
            self.reply(dict(header), arrays)
            return
        try:
            code: Any = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
        except (ChildProcessError, ValueError):
            code = None
        self.reply({"status": "died", "code": code})

    def drop_ahead(self) -> None:
        if self.ahead is not None:
            pid, read_end = self.ahead
            self.ahead = None
            os.close(read_end)
            stop_copy(pid)

    def perturb(self, header: protocol.PerturbRequest, arrays: list[np.ndarray]) -> None:
        """Call the function once per perturbation and stack the chosen outputs.

        Each perturbation is [argument index, dict key or null, flat index or -1 for
        the whole array, delta (a number, or an array added to the whole argument)].
        The parent turns the outputs into numerical gradients.
        """
        function = self.functions.get(header["function"])
        if function is None:
            self.reply({"status": "missing"})
            return
        base = [protocol.decode_value(tree, arrays) for tree in header["args"]]
        perturbations = [(*item[:3], protocol.decode_delta(item[3], arrays)) for item in header["perturbations"]]
        outputs = header["outputs"]
        stacks: list[list[np.ndarray]] = [[] for _ in outputs]
        printed = capture.CappedText()
        try:
            with capture.redirect_output(printed):
                for arg_index, key, flat_index, delta in perturbations:
                    args = copy_args(base)
                    target = args[arg_index] if key is None else args[arg_index][key]
                    if flat_index < 0:
                        target += delta
                    else:
                        target.reshape(-1)[flat_index] += delta
                    result = function(*args)
                    for slot, output_index in enumerate(outputs):
                        value = result if output_index is None else result[output_index]
                        stacks[slot].append(np.array(value, dtype=np.float64))
        except BaseException as error:  # noqa: BLE001
            self.reply({"status": "error", "error": capture.describe_error(error, self.student_files),
                        "output": printed.text()})
            return
        try:
            stacked = [np.stack(stack) for stack in stacks]
        except ValueError as error:
            self.reply({"status": "error", "error": f"outputs changed shape between calls: {error}",
                        "output": printed.text()})
            return
        self.reply({"status": "ok", "output": printed.text()}, stacked)

    def resolve(self, value: Any) -> Any:
        if isinstance(value, protocol.Opaque):
            return self.handles[value.handle]
        if isinstance(value, np.ndarray):
            return value.copy()  # fresh and writable
        if isinstance(value, dict):
            return {key: self.resolve(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(self.resolve(item) for item in value)
        return value

    def encode_result(self, value: Any, keep: list[int], arrays: list[np.ndarray],
                      names: list[str]) -> dict[str, Any]:
        if keep and isinstance(value, (tuple, list)):
            items = []
            for index, item in enumerate(value):
                if index in keep:
                    position = keep.index(index)
                    items.append(self.store(item, names[position] if position < len(names) else None))
                else:
                    items.append(self.encode(item, arrays, 0))
            return {"seq": items, "kind": "tuple" if isinstance(value, tuple) else "list"}
        return self.encode(value, arrays, 0)

    def store(self, value: Any, name: Any = None) -> dict[str, Any]:
        handle = protocol.kept_handle(name) if isinstance(name, str) else f"h{len(self.handles)}"
        self.handles[handle] = value
        return {"handle": handle, "type": type(value).__name__}

    def encode(self, value: Any, arrays: list[np.ndarray], depth: int) -> dict[str, Any]:
        if isinstance(value, np.ndarray):
            plain = np.asarray(value).view(np.ndarray)
            if plain.dtype.kind in protocol.ALLOWED_DTYPE_KINDS:
                arrays.append(plain.copy())
                return {"array": len(arrays) - 1}
            return self.store_described(value, f"ndarray of dtype {plain.dtype}")
        if isinstance(value, np.generic) and value.dtype.kind in protocol.ALLOWED_DTYPE_KINDS:
            arrays.append(np.asarray(value))
            return {"array": len(arrays) - 1}
        if depth < 4 and isinstance(value, (tuple, list)):
            # namedtuples and other sequence subclasses travel as their items
            kind = "tuple" if isinstance(value, tuple) else "list"
            return {"seq": [self.encode(item, arrays, depth + 1) for item in list(value)], "kind": kind}
        if depth < 4 and type(value) is dict and all(type(key) is str for key in value):
            return {"dict": {key: self.encode(item, arrays, depth + 1) for key, item in value.items()}}
        if value is None:
            return {"none": True}
        if type(value) in (int, float):
            return {"scalar": value, "type": type(value).__name__}
        return self.store_described(value, type(value).__name__)

    def store_described(self, value: Any, description: str) -> dict[str, Any]:
        stored = self.store(value)
        stored["type"] = description
        return stored


def stop_copy(pid: int) -> None:
    """SIGKILL a copy made by `call_ahead` and reap it."""
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ChildProcessError, ProcessLookupError):
        pass


def import_by_path(module_name: str, path: str) -> Any:
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def copy_args(args: list[Any]) -> list[Any]:
    copied = []
    for value in args:
        if isinstance(value, np.ndarray):
            copied.append(value.copy())
        elif isinstance(value, dict):
            copied.append({key: item.copy() if isinstance(item, np.ndarray) else item
                           for key, item in value.items()})
        else:
            copied.append(value)
    return copied


def main() -> None:
    # keep private copies of the pipes, then point fd 0 at nothing and fd 1 at
    # stderr, so no print or os.write(1, ...) can reach the result channel
    channel_in = os.fdopen(os.dup(0), "rb", buffering=65536)
    channel_out = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    sys.stdin = open(os.devnull)
    sys.stdout = os.fdopen(1, "w", buffering=1)
    Worker(channel_in, channel_out).serve()


if __name__ == "__main__":
    if ARGUMENTS.get("zygote"):  # a batch worker's pre-started child (grader.child.zygote)
        load_beside("zygote").serve_stdin(ARGUMENTS["zygote"] == "namespace", hello_answer(), load_beside("landlock"),
                                          main)
    else:
        main()
