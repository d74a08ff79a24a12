"""Write captures in acrntrace's layout: ``<out_dir>/<pcpu>`` files of 32-byte records.

:class:`TraceWriter` is what the engine calls once per model step, so :meth:`TraceWriter.emit` is a few
list operations; records are converted and written to disk in chunks.  The capture folder appears only
when :meth:`TraceWriter.close` succeeds: records go into a temporary sibling folder that is renamed at the
end, and is removed on error (or if the writer is dropped without being closed).
"""
from __future__ import annotations

import errno
import os
import sys
import tempfile
import weakref
from array import array
from pathlib import Path

from acrn.trace import events as ev
from acrn.trace import format as fmt

#: Records buffered per pCPU before they are written out.
FLUSH_RECORDS = 1 << 15
_U64_MAX = (1 << 64) - 1


class TraceWriter:
    """Collect records per pCPU and write them as one acrntrace capture folder.

    ``out_dir`` is the capture folder itself (e.g. ``acrntrace/20240101-120000``, see
    :func:`acrn.trace.format.default_capture_dir`); its parent is created if missing.  It must not exist
    unless ``overwrite`` is true (replace it) or ``unique`` is true: then, if a capture of that name is
    there when the writer closes, it takes the first free name of ``<out_dir>-2``, ``<out_dir>-3``...,
    chosen by the rename itself (never replacing a folder, so concurrent writers get different names), and
    :attr:`path` is the name taken.  Every pCPU file starts with a ``MODEL_TSC_FREQ`` record carrying
    ``tsc_khz``, stamped with that pCPU's first TSC.

    Use as a context manager, or call :meth:`close` (keep the capture) / :meth:`abort` (drop it).
    """

    def __init__(self, out_dir, n_cpus: int, tsc_khz: int, *, overwrite: bool = False, unique: bool = False):
        if not 1 <= n_cpus <= fmt.MAX_CPUS:
            raise ValueError("n_cpus must be 1..%d, not %r" % (fmt.MAX_CPUS, n_cpus))
        if int(tsc_khz) != tsc_khz or tsc_khz <= 0:
            raise ValueError("tsc_khz must be a positive integer, not %r" % (tsc_khz,))
        self.path = Path(out_dir)
        self.n_cpus = n_cpus
        self.tsc_khz = int(tsc_khz)
        if overwrite and unique:
            raise ValueError("overwrite and unique exclude each other")
        self.overwrite = overwrite
        self.unique = unique
        if self.path.exists() and not overwrite and not unique:
            raise FileExistsError("%s: already exists" % self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = fmt.make_temp_dir(self.path)
        self._files = {}
        self._cleanup = weakref.finalize(self, _discard, self._files, str(self._tmp))
        try:
            for cpu in range(n_cpus):
                self._files[cpu] = open(self._tmp / str(cpu), "wb")
        except BaseException:
            self.abort()
            raise
        self._bufs = {cpu: [] for cpu in range(n_cpus)}
        self._words = {cpu: {} for cpu in range(n_cpus)}
        self._started = set()  # pCPUs whose MODEL_TSC_FREQ record is written
        self._late = {}  # pCPU -> [(tsc, word, a, b)] given after later records: merged in at close
        self._flush_words = 4 * FLUSH_RECORDS
        self.n_records = 0  # records emitted (not counting MODEL_TSC_FREQ)
        self.closed = False

    # -- hot path --------------------------------------------------------------------------------------
    def emit(self, tsc: int, cpu: int, event_id: int, a: int = 0, b: int = 0) -> None:
        """Append one record: ``tsc``, pCPU ``cpu``, ``event_id`` (see :mod:`acrn.trace.events`) and
        the payload as two u64 ``a`` (``e``) and ``b`` (``f``); a ``4I`` payload is packed with
        :func:`acrn.trace.events.pack_4i`."""
        try:
            word = self._words[cpu][event_id]
        except KeyError:
            word = self._new_word(cpu, event_id)
        buf = self._bufs[cpu]
        buf.extend((tsc, word, a, b))
        if len(buf) >= self._flush_words:
            self._flush(cpu)

    def emit_late(self, tsc: int, cpu: int, event_id: int, a: int = 0, b: int = 0) -> None:
        """Like :meth:`emit`, for a record known only after later ones were written (an invariant judged
        after the run): :meth:`close` merges it into pCPU ``cpu``'s file at its TSC (after records with the
        same TSC), so every file stays in time order."""
        try:
            word = self._words[cpu][event_id]
        except KeyError:
            word = self._new_word(cpu, event_id)
        self._late.setdefault(cpu, []).append((tsc, word, a, b))

    # -- the rest --------------------------------------------------------------------------------------
    def _new_word(self, cpu, event_id) -> int:
        if self.closed:
            raise ValueError("TraceWriter for %s is closed" % self.path)
        if not isinstance(cpu, int) or not 0 <= cpu < self.n_cpus:
            raise ValueError("cpu %r out of range 0..%d" % (cpu, self.n_cpus - 1))
        known = ev.BY_ID.get(event_id)
        word = fmt.pack_id(event_id, known.n_data if known else ev.PAYLOAD_2L, cpu)
        self._words[cpu][event_id] = word
        return word

    def _flush(self, cpu: int) -> None:
        buf = self._bufs[cpu]
        if cpu not in self._started:
            self._started.add(cpu)
            first_tsc = buf[0] if buf else 0
            buf[0:0] = [first_tsc, fmt.pack_id(ev.MODEL_TSC_FREQ, ev.PAYLOAD_2L, cpu), self.tsc_khz, 0]
            self.n_records -= 1
        try:
            data = array("Q", buf)
        except (OverflowError, TypeError) as err:
            raise ValueError("%s: pCPU %d: a record has a value that is not a u64 (%s): %s"
                             % (self.path, cpu, err, _first_bad(buf))) from None
        if sys.byteorder != "little":
            data.byteswap()
        self._files[cpu].write(data.tobytes())
        self.n_records += len(buf) // 4
        self._bufs[cpu] = []

    def close(self) -> Path:
        """Write everything out and move the capture folder into place; returns its path."""
        if self.closed:
            return self.path
        try:
            for cpu in range(self.n_cpus):
                if self._bufs[cpu] or cpu not in self._started:
                    self._flush(cpu)
                self._files[cpu].close()
            for cpu, rows in self._late.items():
                _merge_late(self._tmp / str(cpu), rows)
                self.n_records += len(rows)
            if self.unique:
                self.path = _move_to_free_name(self._tmp, self.path)
            else:
                _move_into_place(self._tmp, self.path, self.overwrite)
        except BaseException:
            self.abort()
            raise
        self.closed = True
        self._cleanup.detach()
        return self.path

    def abort(self) -> None:
        """Drop everything written so far; nothing remains on disk."""
        self.closed = True
        self._cleanup()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        else:
            self.abort()
        return False


def _discard(files: dict, tmp: str) -> None:
    """Close the pCPU files and remove the temporary capture folder (abort, or a writer never closed)."""
    for f in files.values():
        try:
            f.close()
        except OSError:
            pass
    fmt.remove_tree_quietly(tmp)


def _merge_late(path: Path, rows: list) -> None:
    """Merge ``rows`` (tsc, word, a, b) into the time-ordered pCPU file ``path``, streaming it through a
    new file beside it (one chunk in memory)."""
    import numpy as np

    late = np.array(sorted(rows, key=lambda r: r[0]), dtype=np.uint64).reshape(-1, 4)
    merged = path.with_name(path.name + ".merge")
    chunk = 1 << 17
    with open(path, "rb") as src, open(merged, "wb") as dst:
        while True:
            data = src.read(chunk * fmt.RECORD_SIZE)
            if not data:
                break
            w = np.frombuffer(data, np.uint64).reshape(-1, 4)
            cut = int(np.searchsorted(late[:, 0], w[-1, 0], "right")) if len(late) else 0
            if cut:
                part = late[:cut]
                at = np.searchsorted(w[:, 0], part[:, 0], "right")
                w = np.insert(w, at, part, axis=0)
                late = late[cut:]
            dst.write(np.ascontiguousarray(w, "<u8").tobytes())
        dst.write(np.ascontiguousarray(late, "<u8").tobytes())
    os.replace(merged, path)


def _first_bad(buf) -> str:
    for i in range(0, len(buf), 4):
        tsc, word, a, b = buf[i:i + 4]
        for name, value in (("tsc", tsc), ("a", a), ("b", b)):
            if not isinstance(value, int) or not 0 <= value <= _U64_MAX:
                return "record with event id 0x%x: %s=%r" % (word & fmt.ID_MASK, name, value)
    return "?"


def _move_into_place(tmp: Path, dest: Path, overwrite: bool) -> None:
    if dest.exists():
        if not overwrite:
            raise FileExistsError("%s: already exists" % dest)
        old = Path(tempfile.mkdtemp(prefix="." + dest.name + ".", suffix=".old", dir=dest.parent))
        os.rmdir(old)
        os.replace(dest, old)
        try:
            os.replace(tmp, dest)
        except BaseException:
            os.replace(old, dest)
            raise
        fmt.remove_tree_quietly(old)
    else:
        os.replace(tmp, dest)


_RENAME_NOREPLACE = 1  # linux/fs.h


def _renameat2():
    """glibc's renameat2 (Linux 3.15+, glibc 2.28+), or None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
    fn.restype = ctypes.c_int
    return fn


_AT_FDCWD = -100


def rename_no_replace(src: Path, dest: Path) -> None:
    """Rename the folder ``src`` to ``dest`` atomically, never replacing anything: FileExistsError when
    ``dest`` exists (whoever created it, however close in time)."""
    import ctypes

    fn = _renameat2()
    if fn is not None:
        if fn(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dest), _RENAME_NOREPLACE) == 0:
            return
        err = ctypes.get_errno()
        if err in (errno.EEXIST, errno.ENOTEMPTY):
            raise FileExistsError(err, os.strerror(err), str(dest))
        if err not in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):  # EINVAL etc.: the file system cannot
            raise OSError(err, os.strerror(err), str(dest))
    # no renameat2: reserve the name with mkdir (atomic, fails if it exists), then rename onto that empty
    # folder (rename(2) replaces an empty folder atomically)
    os.mkdir(dest)
    try:
        os.replace(src, dest)
    except BaseException:
        try:
            os.rmdir(dest)
        except OSError:
            pass
        raise


def _move_to_free_name(tmp: Path, dest: Path) -> Path:
    """Rename ``tmp`` to ``dest``, or to the first free one of ``dest-2``, ``dest-3``...; returns the name."""
    for name in fmt.unique_capture_names(dest):
        try:
            rename_no_replace(tmp, name)
        except FileExistsError:
            continue
        return name
    raise FileExistsError(errno.EEXIST, "%d captures of this name are there already" % fmt.MAX_SAME_STAMP,
                          str(dest))


def write_capture(out_dir, records_by_cpu, tsc_khz: int | None, *, overwrite: bool = False) -> Path:
    """Write a whole capture at once (tests, benchmarks, converters).

    ``records_by_cpu[i]`` is pCPU i's records: a ``RECORD_DTYPE`` array (written verbatim, whatever its
    cpu and n_data bits say: tests use this for odd files), or a sequence of ``(tsc, event_id, e, f)``
    tuples (packed with the pCPU index and the event's n_data).  With ``tsc_khz`` each file starts with a
    MODEL_TSC_FREQ record, as :class:`TraceWriter` writes; ``None`` writes none, as a real capture.
    """
    import numpy as np

    out_dir = Path(out_dir)
    if out_dir.exists() and not overwrite:
        raise FileExistsError("%s: already exists" % out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = fmt.make_temp_dir(out_dir)
    try:
        for cpu, records in enumerate(records_by_cpu):
            arr = records_array(records, cpu)
            if tsc_khz is not None:
                head = records_array([(int(arr["tsc"][0]) if len(arr) else 0, ev.MODEL_TSC_FREQ,
                                       int(tsc_khz), 0)], cpu)
                arr = np.concatenate([head, arr])
            arr.astype(fmt.RECORD_DTYPE, copy=False).tofile(tmp / str(cpu))
        _move_into_place(tmp, out_dir, overwrite)
    except BaseException:
        fmt.remove_tree_quietly(tmp)
        raise
    return out_dir


def records_array(records, cpu: int):
    """``records`` as a RECORD_DTYPE array; tuples ``(tsc, event_id, e, f)`` get ``cpu`` and n_data."""
    import numpy as np

    if isinstance(records, np.ndarray):
        if records.dtype != fmt.RECORD_DTYPE:
            raise TypeError("records must have RECORD_DTYPE, not %s" % records.dtype)
        return records
    rows = []
    for tsc, event_id, e, f in records:
        known = ev.BY_ID.get(event_id)
        rows.append((tsc, fmt.pack_id(event_id, known.n_data if known else ev.PAYLOAD_2L, cpu), e, f))
    return np.array(rows, dtype=fmt.RECORD_DTYPE) if rows else np.empty(0, fmt.RECORD_DTYPE)
