"""What a child prints outside any call (to its stderr), drained so it never blocks and kept, capped,
for the report."""
from __future__ import annotations

import os
import select
import threading
from typing import Any

STRAY_OUTPUT_LIMIT = 20_000


class StrayOutput:
    """Drains a pipe in a thread, keeping the first STRAY_OUTPUT_LIMIT bytes, until the pipe ends or
    `stop` is called.

    The thread reads the pipe's descriptor itself, never through the file object,
    so closing that object never waits for the thread: a process the student left
    behind may hold the pipe's other end open for as long as it lives.
    """

    def __init__(self, pipe: Any) -> None:
        self.kept = bytearray()
        self.dropped = 0
        self.wake_read, self.wake_write = os.pipe()
        self.thread = threading.Thread(target=self.drain, args=(pipe.fileno(),), daemon=True)
        self.thread.start()

    def drain(self, fd: int) -> None:
        try:
            while True:
                ready, _, _ = select.select([fd, self.wake_read], [], [])
                if self.wake_read in ready:
                    return
                chunk = os.read(fd, 65536)
                if not chunk:
                    return
                room = STRAY_OUTPUT_LIMIT - len(self.kept)
                self.kept.extend(chunk[: max(room, 0)])
                self.dropped += max(0, len(chunk) - max(room, 0))
        except (OSError, ValueError):  # the pipe is gone
            return
        finally:
            os.close(self.wake_read)

    def stop(self) -> None:
        """End the draining now (before the pipe is closed); what was read so far is kept."""
        if self.wake_write < 0:
            return
        try:
            os.write(self.wake_write, b"x")
        except OSError:  # the thread ended already (the pipe ended), and closed its end
            pass
        finally:
            os.close(self.wake_write)
            self.wake_write = -1
        self.thread.join()

    def text(self) -> str:
        text = self.kept.decode(errors="replace")
        if self.dropped:
            text += f"\n... ({self.dropped} more bytes not shown)"
        return text
