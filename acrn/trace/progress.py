"""A progress bar that appears only when a job has run for more than a second (and stderr is a terminal).

Short runs never import rich.  Callable from several threads (the numba backend scans pCPU files in
parallel).
"""
from __future__ import annotations

import sys
import threading
import time

SHOW_AFTER_S = 1.0


class DelayedProgress:
    def __init__(self, total: int, description: str, stream=None, show_after: float = SHOW_AFTER_S):
        self.total = max(int(total), 1)
        self.description = description
        self.stream = stream if stream is not None else sys.stderr
        self.show_after = show_after
        self.done = 0
        self._start = time.monotonic()
        self._lock = threading.Lock()
        self._bar = None
        self._task = None
        self._enabled = bool(getattr(self.stream, "isatty", lambda: False)())

    def __call__(self, n: int) -> None:
        with self._lock:
            self.done += n
            if self._bar is None:
                if not self._enabled or time.monotonic() - self._start < self.show_after:
                    return
                self._open()
            self._bar.update(self._task, completed=self.done)

    def _open(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        self._bar = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                             TimeRemainingColumn(), console=Console(file=self.stream), transient=True)
        self._bar.start()
        self._task = self._bar.add_task(self.description, total=self.total, completed=self.done)

    def close(self) -> None:
        with self._lock:
            if self._bar is not None:
                self._bar.stop()
                self._bar = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
