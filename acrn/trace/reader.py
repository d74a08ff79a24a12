"""Read acrntrace captures: one pCPU file, or a capture folder of them.

Two ways in: :meth:`TraceFile.blocks` streams a file through one fixed buffer as int64 memoryviews (the
reports use it: their memory does not grow with the capture, and they need no numpy), :meth:`TraceFile.chunks`
the same as numpy arrays; :attr:`TraceFile.records` maps the whole file read-only as a ``RECORD_DTYPE``
array, on first use.  What cannot be read is skipped and said in
:attr:`Capture.warnings` (a trailing partial record, non-trace files in the folder, unreadable or
looping entries); a path that is not a capture at all raises :class:`CaptureError` naming it.  Hidden
entries (a name starting with ``.``: the writer's temporary folders) are never taken for captures.
"""
from __future__ import annotations

import mmap
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path

from acrn.trace import format as fmt


class CaptureError(Exception):
    """A path that cannot be read as a capture; the message names it."""


#: Records per chunk of :meth:`TraceFile.chunks` (4 MiB: the bounded part of a report's memory).
CHUNK_RECORDS = 1 << 17


@dataclass
class TraceFile:
    """One pCPU's records."""

    cpu: int
    path: Path
    n_records: int
    skipped_bytes: int = 0  # trailing partial record
    _records: object = None

    @property
    def records(self):
        """The whole file as a RECORD_DTYPE array, memory-mapped read-only on first use."""
        if self._records is None:
            self._records = _map(self.path, self.n_records)
        return self._records

    def words(self):
        """The records as an (n, 4) int64 array (see :func:`acrn.trace.format.words`)."""
        return fmt.words(self.records)

    def blocks(self, records: int = CHUNK_RECORDS):
        """Yield the file as consecutive (k, 4) int64 memoryviews of at most ``records`` records, read into
        one buffer that each step overwrites (a consumer keeps copies, not the views)."""
        if self.n_records == 0:
            return
        buf = memoryview(bytearray(min(records, self.n_records) * fmt.RECORD_SIZE))
        left = self.n_records
        try:
            with open(self.path, "rb", buffering=0) as f:
                while left > 0:
                    k = min(left, len(buf) // fmt.RECORD_SIZE)
                    view = buf[:k * fmt.RECORD_SIZE]
                    if f.readinto(view) != len(view):
                        raise CaptureError("%s: the file shrank while being read" % self.path)
                    left -= k
                    yield view.cast("l", (k, 4))
        except OSError as err:
            raise CaptureError("%s: cannot read: %s" % (self.path, err.strerror or err)) from None

    def chunks(self, records: int = CHUNK_RECORDS):
        """:meth:`blocks` as (k, 4) int64 numpy arrays (views of the one buffer)."""
        import numpy as np

        for view in self.blocks(records):
            yield np.asarray(view)

    def head(self, records: int) -> list:
        """The first ``records`` records (at most) as (tsc, id word, e, f) tuples of unsigned ints."""
        try:
            with open(self.path, "rb") as f:
                data = f.read(min(records, self.n_records) * fmt.RECORD_SIZE)
        except OSError as err:
            raise CaptureError("%s: cannot read: %s" % (self.path, err.strerror or err)) from None
        return list(struct.iter_unpack("<4Q", data[:len(data) - len(data) % fmt.RECORD_SIZE]))


def _map(path: Path, n: int):
    import numpy as np

    if n == 0:
        return np.empty(0, fmt.RECORD_DTYPE)
    try:
        with open(path, "rb") as f:
            mapped = mmap.mmap(f.fileno(), n * fmt.RECORD_SIZE, access=mmap.ACCESS_READ)
    except (OSError, ValueError) as err:
        raise CaptureError("%s: cannot read: %s" % (path, getattr(err, "strerror", None) or err)) from None
    return np.frombuffer(mapped, dtype=fmt.RECORD_DTYPE, count=n)


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
    """Open one pCPU file.  ``cpu`` defaults to the file name when it is a number (acrntrace's naming),
    else to the cpu field of the first record, else 0."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            head = f.read(fmt.RECORD_SIZE) if cpu is None and not fmt.is_cpu_file_name(path.name) else b""
    except IsADirectoryError:
        raise CaptureError("%s: is a folder, not a trace file" % path) from None
    except OSError as err:
        raise CaptureError("%s: cannot read: %s" % (path, err.strerror or err)) from None
    n = size // fmt.RECORD_SIZE
    if cpu is None:
        if fmt.is_cpu_file_name(path.name):
            cpu = int(path.name)
        elif len(head) == fmt.RECORD_SIZE:
            cpu = int.from_bytes(head[8:16], "little") >> fmt.CPU_SHIFT
        else:
            cpu = 0
    return TraceFile(cpu=cpu, path=path, n_records=n, skipped_bytes=size - n * fmt.RECORD_SIZE)


def find_capture_files(folder: Path) -> tuple:
    """(pCPU files sorted by pCPU, other entries, problems) of a capture folder.  Hidden entries are left
    out; an entry that cannot be examined (no permission, a symlink loop) is a problem, not an error.
    Two files naming the same pCPU (``0`` and ``00``) raise CaptureError."""
    cpu_files, other, problems = [], [], []
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if entry.name.startswith("."):
            continue
        try:
            is_file = entry.is_file()
        except OSError as err:
            problems.append("%s: cannot examine: %s" % (entry.path, err.strerror or err))
            continue
        if is_file and fmt.is_cpu_file_name(entry.name):
            cpu_files.append(Path(entry.path))
        else:
            other.append(entry.name)
    cpu_files.sort(key=lambda p: (int(p.name), p.name))
    for a, b in zip(cpu_files, cpu_files[1:]):
        if int(a.name) == int(b.name):
            raise CaptureError("%s: files %s and %s both name pCPU %d; keep one of them"
                               % (folder, a.name, b.name, int(a.name)))
    return cpu_files, other, problems


def _inner_captures(path: Path, other: list, problems: list) -> list:
    """The sub-folders of ``path`` that are captures (an ``acrntrace/`` folder's stamps)."""
    inner = []
    for name in other:
        sub = path / name
        try:
            if not sub.is_dir():
                continue
            if find_capture_files(sub)[0]:
                inner.append(sub)
        except OSError as err:
            problems.append("%s: cannot list: %s" % (sub, err.strerror or err))
    return inner


def read_capture(path) -> Capture:
    """Read a capture folder (``acrntrace/<stamp>/`` with files ``0``, ``1``...), a single pCPU file, or
    an ``acrntrace/`` folder that holds exactly one capture."""
    path = Path(path)
    try:
        path.stat()
    except FileNotFoundError:
        raise CaptureError("%s: no such file or folder" % path) from None
    except OSError as err:
        raise CaptureError("%s: cannot read: %s" % (path, err.strerror or err)) from None
    if path.is_file():
        tf = read_file(path)
        return Capture(path=path, files=[tf], warnings=_file_warnings([tf]))
    if not path.is_dir():
        raise CaptureError("%s: not a regular file or folder" % path)
    try:
        cpu_files, other, problems = find_capture_files(path)
    except OSError as err:
        raise CaptureError("%s: cannot list: %s" % (path, err.strerror or err)) from None
    if not cpu_files:
        inner = _inner_captures(path, other, problems)
        if len(inner) == 1:
            cap = read_capture(inner[0])
            cap.warnings[:0] = problems
            return cap
        if inner:
            raise CaptureError("%s: holds %d captures (%s); pass one of them"
                               % (path, len(inner), ", ".join(p.name for p in inner)))
        why = " (%s)" % "; ".join(problems) if problems else ""
        raise CaptureError("%s: not an acrntrace capture (no per-pCPU files named 0, 1, ...)%s" % (path, why))
    files = [read_file(p) for p in cpu_files]
    warnings = problems + _file_warnings(files)
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
