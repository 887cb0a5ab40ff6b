"""What a child prints outside any call (to its stderr), drained so it never blocks and kept, capped,
for the report."""
from __future__ import annotations

import threading
from typing import Any

STRAY_OUTPUT_LIMIT = 20_000


class StrayOutput:
    """Drains a pipe in a thread, keeping the first STRAY_OUTPUT_LIMIT bytes."""

    def __init__(self, pipe: Any) -> None:
        self.kept = bytearray()
        self.dropped = 0
        self.thread = threading.Thread(target=self.drain, args=(pipe,), daemon=True)
        self.thread.start()

    def drain(self, pipe: Any) -> None:
        while True:
            chunk = pipe.read1(65536) if hasattr(pipe, "read1") else pipe.read(65536)
            if not chunk:
                return
            room = STRAY_OUTPUT_LIMIT - len(self.kept)
            self.kept.extend(chunk[: max(room, 0)])
            self.dropped += max(0, len(chunk) - max(room, 0))

    def text(self) -> str:
        text = self.kept.decode(errors="replace")
        if self.dropped:
            text += f"\n... ({self.dropped} more bytes not shown)"
        return text
