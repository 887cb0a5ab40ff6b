"""Landlock: the kernel confines the child to the files it needs.

Loaded by path in the child (standard library only, like `protocol.py`) and
applied by the worker before the first line of a submission runs. After
`restrict` the process, and everything it starts, can

- read only the paths in `read`, write only under `write`, execute only the
  files in `execute` (the interpreter);
- neither bind nor connect a TCP socket (ABI 4 and later);
- neither signal nor reach through an abstract unix socket any process outside
  its own domain: not the grader, not another student's child (ABI 6 and later).

Nothing can undo it: Landlock domains only ever grow stricter, and
PR_SET_NO_NEW_PRIVS keeps a set-uid program from shedding it.

The binding is the three system calls through ctypes (their numbers are the
same on every architecture), so it needs no package and speaks every ABI up to
the kernel's: the PyPI bindings stop short of the network and scope rights.

    landlock_create_ruleset(attr, size, flags) -> ruleset fd   (444)
    landlock_add_rule(fd, LANDLOCK_RULE_PATH_BENEATH, &rule, 0)  (445)
    landlock_restrict_self(fd, 0)                                (446)
"""
from __future__ import annotations

import ctypes
import os
from typing import Iterable

SYS_CREATE_RULESET, SYS_ADD_RULE, SYS_RESTRICT_SELF = 444, 445, 446
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1
PR_SET_NO_NEW_PRIVS = 38

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR = 1 << 4, 1 << 5, 1 << 6, 1 << 7
MAKE_REG, MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM = 1 << 8, 1 << 9, 1 << 10, 1 << 11, 1 << 12
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1

FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV  # the only rights a file rule may hold
READ_RIGHTS = READ_FILE | READ_DIR
WRITE_RIGHTS = (WRITE_FILE | REMOVE_DIR | REMOVE_FILE | MAKE_DIR | MAKE_REG | MAKE_SYM | TRUNCATE)


class LandlockError(Exception):
    """Landlock is missing, or the kernel refused the ruleset."""


class RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class PathBeneathAttr(ctypes.Structure):
    _pack_ = 1  # the kernel's struct is __attribute__((packed))
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


def abi_version() -> int:
    """The Landlock ABI this kernel offers; 0 when it has none (or a seccomp profile hides it)."""
    try:
        version = _libc().syscall(SYS_CREATE_RULESET, None, ctypes.c_size_t(0),
                                  ctypes.c_uint32(CREATE_RULESET_VERSION))
    except (OSError, AttributeError):
        return 0
    return max(int(version), 0)


def handled_fs(abi: int) -> int:
    """Every file-system right this ABI knows: all of them are denied unless a rule allows."""
    rights = (1 << 13) - 1
    if abi >= 2:
        rights |= REFER
    if abi >= 3:
        rights |= TRUNCATE
    if abi >= 5:
        rights |= IOCTL_DEV
    return rights


def guarantees(abi: int) -> list[str]:
    """What a domain of this ABI enforces, in words, for the report."""
    if abi <= 0:
        return []
    found = ["files"]
    if abi >= 4:
        found.append("no TCP")
    if abi >= 6:
        found.append("signals and abstract sockets scoped")
    return found


def restrict(read: Iterable[str], write: Iterable[str], execute: Iterable[str],
             minimum_abi: int = 1) -> int:
    """Confine this process for good; returns the ABI used. Raises LandlockError.

    Paths that do not exist are skipped. A directory in `read` allows reading
    and listing everything beneath it; in `write`, also creating, changing and
    removing what is beneath it. A file in `execute` may be run and read.
    """
    abi = abi_version()
    if abi < max(minimum_abi, 1):
        raise LandlockError(f"the kernel offers Landlock ABI {abi}, at least {max(minimum_abi, 1)} is needed")
    libc = _libc()
    fs = handled_fs(abi)
    attr = RulesetAttr(fs, NET_BIND_TCP | NET_CONNECT_TCP if abi >= 4 else 0,
                       SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if abi >= 6 else 0)
    size = 8 if abi < 4 else 16 if abi < 6 else 24  # an older kernel refuses fields it does not know
    ruleset = libc.syscall(SYS_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        raise LandlockError(f"landlock_create_ruleset failed: {os.strerror(ctypes.get_errno())}")
    try:
        for path in read:
            _allow(libc, ruleset, path, READ_RIGHTS & fs)
        for path in write:
            _allow(libc, ruleset, path, (READ_RIGHTS | WRITE_RIGHTS | REFER) & fs)
        for path in execute:
            _allow(libc, ruleset, path, EXECUTE | READ_FILE)
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise LandlockError(f"prctl(PR_SET_NO_NEW_PRIVS) failed: {os.strerror(ctypes.get_errno())}")
        if libc.syscall(SYS_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
            raise LandlockError(f"landlock_restrict_self failed: {os.strerror(ctypes.get_errno())}")
    finally:
        os.close(ruleset)
    return abi


def _allow(libc: ctypes.CDLL, ruleset: int, path: str, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    except OSError as error:
        raise LandlockError(f"cannot open {path} for a rule: {error.strerror}") from error
    try:
        if not os.path.isdir(path):
            rights &= FILE_RIGHTS
        rule = PathBeneathAttr(rights, fd)
        if libc.syscall(SYS_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(RULE_PATH_BENEATH),
                        ctypes.byref(rule), ctypes.c_uint32(0)) != 0:
            raise LandlockError(f"landlock_add_rule({path}) failed: {os.strerror(ctypes.get_errno())}")
    finally:
        os.close(fd)
