"""A seccomp filter: the second layer under Landlock, never instead of it.

Loaded by path in the child (standard library only) and installed by the
worker right after Landlock. It refuses, with EPERM, the system calls a
numpy function never needs and an attacker would: every new socket (Landlock
covers TCP only, not UDP or a unix socket's path), tracing and reading other
processes' memory, starting any program (the worker never needs to), new
namespaces, mounts, kernel keys, BPF, io_uring, System V IPC and
module loading. Any other architecture's calls, and the x32 ABI, kill the
process, so the numbers below cannot be dodged.

The filter is a few classic-BPF instructions built here rather than through
libseccomp: Debian's binding exists only for the system Python, and the
grader may run on another one.
"""
from __future__ import annotations

import ctypes
import platform
import struct

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
AUDIT_ARCH_X86_64 = 0xC000003E
X32_SYSCALL_BIT = 0x40000000

RET_KILL_PROCESS = 0x80000000
RET_ALLOW = 0x7FFF0000
RET_ERRNO_EPERM = 0x00050000 | 1

LOAD_WORD, JUMP_EQUAL, JUMP_AT_LEAST, RETURN = 0x20, 0x15, 0x35, 0x06
ARCH_OFFSET, NUMBER_OFFSET = 4, 0

DENIED_X86_64 = {
    "socket": 41, "execve": 59, "ptrace": 101, "pivot_root": 155, "mount": 165, "umount2": 166,
    "init_module": 175, "delete_module": 176, "kexec_load": 246, "add_key": 248, "request_key": 249,
    "keyctl": 250, "unshare": 272, "perf_event_open": 298, "name_to_handle_at": 303,
    "open_by_handle_at": 304, "setns": 308, "process_vm_readv": 310, "process_vm_writev": 311,
    "finit_module": 313, "bpf": 321, "execveat": 322, "userfaultfd": 323, "io_uring_setup": 425, "io_uring_enter": 426,
    "io_uring_register": 427,
    # System V IPC and POSIX message queues: Landlock does not cover them, and the students a
    # batch worker's zygote forks share its IPC namespace (grader.sandbox.zygote)
    "shmget": 29, "shmat": 30, "shmctl": 31, "semget": 64, "semop": 65, "semctl": 66, "shmdt": 67,
    "msgget": 68, "msgsnd": 69, "msgrcv": 70, "msgctl": 71, "semtimedop": 220, "mq_open": 240,
    "mq_unlink": 241, "mq_timedsend": 242, "mq_timedreceive": 243, "mq_notify": 244, "mq_getsetattr": 245,
}


class SeccompError(Exception):
    """The filter could not be installed."""


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def supported() -> bool:
    return platform.machine() == "x86_64"


def instruction(code: int, jump_true: int, jump_false: int, value: int) -> bytes:
    return struct.pack("=HBBI", code, jump_true, jump_false, value)


def filter_program(denied: list[int]) -> bytes:
    """check the architecture, kill x32 calls, EPERM for `denied`, allow the rest."""
    count = len(denied)
    program = [
        instruction(LOAD_WORD, 0, 0, ARCH_OFFSET),
        instruction(JUMP_EQUAL, 1, 0, AUDIT_ARCH_X86_64),
        instruction(RETURN, 0, 0, RET_KILL_PROCESS),
        instruction(LOAD_WORD, 0, 0, NUMBER_OFFSET),
        instruction(JUMP_AT_LEAST, count + 2, 0, X32_SYSCALL_BIT),
    ]
    program += [instruction(JUMP_EQUAL, count - index, 0, number) for index, number in enumerate(denied)]
    program += [instruction(RETURN, 0, 0, RET_ALLOW), instruction(RETURN, 0, 0, RET_ERRNO_EPERM),
                instruction(RETURN, 0, 0, RET_KILL_PROCESS)]
    return b"".join(program)


def install() -> list[str]:
    """Install the filter for this process and its descendants; returns the refused calls' names."""
    if not supported():
        raise SeccompError(f"no filter for {platform.machine()}")
    program = filter_program(sorted(DENIED_X86_64.values()))
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = SockFprog(len(program) // 8, ctypes.addressof(buffer))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise SeccompError("prctl(PR_SET_NO_NEW_PRIVS) failed")
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise SeccompError(f"prctl(PR_SET_SECCOMP) failed: errno {ctypes.get_errno()}")
    return sorted(DENIED_X86_64)
