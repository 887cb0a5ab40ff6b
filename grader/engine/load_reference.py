"""Importing a folder of reference files as plain functions, in the trusted parent only."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any, Callable


def load_functions(files: list[Path]) -> dict[str, Callable[..., Any]]:
    """Import each file under a private name; their imports of each other resolve
    through temporary aliases that are removed afterwards."""
    aliases: dict[str, Any] = {}
    functions: dict[str, Callable[..., Any]] = {}
    try:
        for path in files:
            spec = importlib.util.spec_from_file_location(f"lstm_reference.{path.stem}", path)
            if spec is None or spec.loader is None:
                continue
            module = importlib.util.module_from_spec(spec)
            aliases[path.stem] = sys.modules.get(path.stem)
            sys.modules[path.stem] = module
            spec.loader.exec_module(module)
        for path in files:
            module = sys.modules[path.stem]
            for name, value in vars(module).items():
                if callable(value) and getattr(value, "__module__", "") == module.__name__:
                    functions[name] = value
    finally:
        for stem, previous in aliases.items():
            if previous is None:
                sys.modules.pop(stem, None)
            else:
                sys.modules[stem] = previous
    return functions
