"""Read acrntrace captures: one pCPU file, or a capture folder of them, memory-mapped.

Nothing is copied: each file is mapped read-only and viewed as a ``RECORD_DTYPE`` array.  What cannot be
read is skipped and said in :attr:`Capture.warnings` (a trailing partial record, non-trace files in the
folder); a path that is not a capture at all raises :class:`CaptureError` naming it.
"""
from __future__ import annotations

import mmap
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from acrn.trace import format as fmt


class CaptureError(Exception):
    """A path that cannot be read as a capture; the message names it."""


@dataclass
class TraceFile:
    """One pCPU's records."""

    cpu: int
    path: Path
    records: np.ndarray  # RECORD_DTYPE, memory-mapped (empty for an empty file)
    skipped_bytes: int = 0  # trailing partial record

    @property
    def n_records(self) -> int:
        return len(self.records)

    def words(self) -> np.ndarray:
        """The records as an (n, 4) int64 array (see :func:`acrn.trace.format.words`)."""
        return fmt.words(self.records)


@dataclass
class Capture:
    """A capture: its pCPU files in pCPU order, and what reading them skipped."""

    path: Path
    files: list
    warnings: list = field(default_factory=list)

    @property
    def n_records(self) -> int:
        return sum(f.n_records for f in self.files)

    @property
    def cpus(self) -> list:
        return [f.cpu for f in self.files]


def read_file(path, cpu: int | None = None) -> TraceFile:
    """Map one pCPU file.  ``cpu`` defaults to the file name when it is a number (acrntrace's naming),
    else to the cpu field of the first record, else 0."""
    path = Path(path)
    try:
        size = path.stat().st_size
        n = size // fmt.RECORD_SIZE
        if n == 0:
            records = np.empty(0, fmt.RECORD_DTYPE)
        else:
            with open(path, "rb") as f:
                mapped = mmap.mmap(f.fileno(), n * fmt.RECORD_SIZE, access=mmap.ACCESS_READ)
            records = np.frombuffer(mapped, dtype=fmt.RECORD_DTYPE, count=n)
    except IsADirectoryError:
        raise CaptureError("%s: is a folder, not a trace file" % path) from None
    except OSError as err:
        raise CaptureError("%s: cannot read: %s" % (path, err.strerror or err)) from None
    if cpu is None:
        if fmt.is_cpu_file_name(path.name):
            cpu = int(path.name)
        elif n:
            cpu = int(records["id"][0]) >> fmt.CPU_SHIFT
        else:
            cpu = 0
    return TraceFile(cpu=cpu, path=path, records=records, skipped_bytes=size - n * fmt.RECORD_SIZE)


def find_capture_files(folder: Path) -> tuple:
    """(pCPU files sorted by pCPU, other entries) of a capture folder."""
    cpu_files, other = [], []
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if entry.is_file() and fmt.is_cpu_file_name(entry.name):
            cpu_files.append(Path(entry.path))
        else:
            other.append(entry.name)
    cpu_files.sort(key=lambda p: int(p.name))
    return cpu_files, other


def read_capture(path) -> Capture:
    """Read a capture folder (``acrntrace/<stamp>/`` with files ``0``, ``1``...), a single pCPU file, or
    an ``acrntrace/`` folder that holds exactly one capture."""
    path = Path(path)
    if not path.exists():
        raise CaptureError("%s: no such file or folder" % path)
    if path.is_file():
        tf = read_file(path)
        return Capture(path=path, files=[tf], warnings=_file_warnings([tf]))
    if not path.is_dir():
        raise CaptureError("%s: not a regular file or folder" % path)
    try:
        cpu_files, other = find_capture_files(path)
    except OSError as err:
        raise CaptureError("%s: cannot list: %s" % (path, err.strerror or err)) from None
    if not cpu_files:
        inner = [path / name for name in other if (path / name).is_dir() and find_capture_files(path / name)[0]]
        if len(inner) == 1:
            return read_capture(inner[0])
        if inner:
            raise CaptureError("%s: holds %d captures (%s); pass one of them"
                               % (path, len(inner), ", ".join(p.name for p in inner)))
        raise CaptureError("%s: not an acrntrace capture (no per-pCPU files named 0, 1, ...)" % path)
    files = [read_file(p) for p in cpu_files]
    warnings = _file_warnings(files)
    if other:
        warnings.append("%s: ignored %d entries that are not pCPU files (%s)"
                        % (path, len(other), ", ".join(other[:5]) + (", ..." if len(other) > 5 else "")))
    return Capture(path=path, files=files, warnings=warnings)


def _file_warnings(files) -> list:
    out = []
    for tf in files:
        if tf.skipped_bytes:
            out.append("%s: skipped a trailing partial record (%d of %d bytes)"
                       % (tf.path, tf.skipped_bytes, fmt.RECORD_SIZE))
    return out
