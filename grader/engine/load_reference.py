"""Importing a folder of reference files as plain functions, in the trusted parent only."""
from __future__ import annotations

import sys
import types
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Mapping


@lru_cache(maxsize=512)
def compiled(text: str, filename: str) -> types.CodeType:
    """A reference file's code: each distinct text is compiled once per process (the diagnosis
    loads the reference once per catalogued mistake, and each mistake edits a single file)."""
    return compile(text, filename, "exec", dont_inherit=True)


def load_functions(files: list[Path], texts: Mapping[str, str] | None = None) -> dict[str, Callable[..., Any]]:
    """Import each file under a private name; their imports of each other resolve
    through temporary aliases that are removed afterwards.

    Args:
        files: the reference files, in import order.
        texts: what to run instead of a file's own text, by file name (a mistake made in it).
    """
    texts = texts or {}
    aliases: dict[str, Any] = {}
    modules: list[types.ModuleType] = []
    try:
        for path in files:
            module = types.ModuleType(f"lstm_reference.{path.stem}")
            module.__file__ = str(path)
            aliases[path.stem] = sys.modules.get(path.stem)
            sys.modules[path.stem] = module
            text = texts[path.name] if path.name in texts else path.read_text(encoding="utf-8")
            exec(compiled(text, str(path)), module.__dict__)  # noqa: S102  (our own reference files)
            modules.append(module)
    finally:
        for stem, previous in aliases.items():
            if previous is None:
                sys.modules.pop(stem, None)
            else:
                sys.modules[stem] = previous
    return {name: value for module in modules for name, value in vars(module).items()
            if callable(value) and getattr(value, "__module__", "") == module.__name__}
