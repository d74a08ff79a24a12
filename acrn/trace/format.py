"""The acrntrace record and capture layout, as ACRN writes them.

Facts (ACRN ``hypervisor/debug/trace.c``, ``misc/debug_tools/acrn_trace/acrntrace.[ch]``):

* A record is 32 bytes, little-endian: ``u64 tsc``; ``u64`` holding the event id in bits 0-47, ``n_data``
  in bits 48-55 and the pCPU in bits 56-63 (``struct trace_entry``'s ``id:48, n_data, cpu``); a 16-byte
  payload read either as two u64 (``TRACE_2L``: ``e``, ``f``), four u32 (``TRACE_4I``: ``a``-``d``),
  bytes (``TRACE_6C``) or a 16-char string (``TRACE_16STR``).  ``n_data`` is 2, 4, 8 or 16 accordingly.
* ``acrntrace`` copies each pCPU's shared buffer verbatim into a file named by the pCPU index (``"%d"``),
  inside ``acrntrace/<YYYYMMDD-HHMMSS>/`` (``TRACE_FILE_ROOT`` plus a local-time stamp).  The files have
  no header: record 0 starts at offset 0.
"""
from __future__ import annotations

import datetime as _dt
import os
import re
import shutil
import tempfile
from pathlib import Path

RECORD_SIZE = 32
#: RECORD_FIELDS / RECORD_DTYPE: one record.  ``id`` is the whole second word, as acrntrace.h's
#: ``trace_ev_t`` names it: mask it with :data:`ID_MASK` for the event id.  ``e``/``f`` are the payload as
#: two u64 (TRACE_2L's names).  RECORD_DTYPE (numpy) is built on first use, so that this module can be
#: imported without numpy (the CLI decides things from file sizes before loading numpy).
RECORD_FIELDS = (("tsc", "<u8"), ("id", "<u8"), ("e", "<u8"), ("f", "<u8"))


def __getattr__(name):
    if name == "RECORD_DTYPE":
        import numpy as np

        dtype = np.dtype(list(RECORD_FIELDS))
        assert dtype.itemsize == RECORD_SIZE
        globals()["RECORD_DTYPE"] = dtype
        return dtype
    raise AttributeError("module %r has no attribute %r" % (__name__, name))


ID_BITS = 48
ID_MASK = (1 << ID_BITS) - 1
N_DATA_SHIFT = 48
CPU_SHIFT = 56
MAX_CPUS = 256  # the cpu field is 8 bits

# Column indices of a record viewed as four 64-bit words (see :func:`words`).
COL_TSC, COL_ID, COL_E, COL_F = 0, 1, 2, 3

CAPTURE_ROOT = "acrntrace"  # TRACE_FILE_ROOT
CAPTURE_STAMP_FORMAT = "%Y%m%d-%H%M%S"  # create_trace_file_dir()
#: A capture folder's name as acrn-model writes it: the stamp, or ``<stamp>-2``, ``<stamp>-3``... when a
#: capture of the same second is already there (see :func:`unique_capture_names`).
CAPTURE_NAME_RE = re.compile(r"^[0-9]{8}-[0-9]{6}(?:-[0-9]+)?$")
MAX_SAME_STAMP = 10000  # captures of one stamp in one folder: then the writer gives up
_CPU_FILE_RE = re.compile(r"^[0-9]+$")


def pack_id(event_id: int, n_data: int, cpu: int) -> int:
    """The second word of a record."""
    if not 0 <= event_id <= ID_MASK:
        raise ValueError("event id 0x%x does not fit in %d bits" % (event_id, ID_BITS))
    if not 0 <= cpu < MAX_CPUS:
        raise ValueError("cpu %d does not fit in 8 bits" % cpu)
    return event_id | (n_data << N_DATA_SHIFT) | (cpu << CPU_SHIFT)


def words(records):
    """View records (RECORD_DTYPE) as an ``(n, 4)`` int64 array: tsc, id word, e, f.

    The analyses use this view: one C-contiguous array, TSC arithmetic in int64 (a TSC reaches 2**63 only
    after decades of uptime, so a value above it is corruption and shows up as non-monotonic time).
    """
    import numpy as np

    return records.view(np.int64).reshape(-1, 4)


def is_cpu_file_name(name: str) -> bool:
    return bool(_CPU_FILE_RE.match(name))


def capture_stamp(when: _dt.datetime) -> str:
    """The folder name acrntrace gives a capture started at ``when`` (local time)."""
    return when.strftime(CAPTURE_STAMP_FORMAT)


def is_capture_name(name: str) -> bool:
    """Whether ``name`` is a capture folder's name as acrn-model writes it: ``<stamp>`` or ``<stamp>-N``."""
    return bool(CAPTURE_NAME_RE.match(name))


def unique_capture_names(dest: Path):
    """The names tried, in order, for a capture meant for ``dest``: ``dest``, then ``dest-2``, ``dest-3``...
    (up to :data:`MAX_SAME_STAMP` of them)."""
    yield dest
    for n in range(2, MAX_SAME_STAMP + 1):
        yield dest.with_name("%s-%d" % (dest.name, n))


def default_capture_dir(root: str | os.PathLike = CAPTURE_ROOT, when: _dt.datetime | None = None) -> Path:
    """``root/<YYYYMMDD-HHMMSS>``, as acrntrace names a capture (``when`` defaults to now)."""
    return Path(root) / capture_stamp(when or _dt.datetime.now())


# ---------------------------------------------------------------------------------------------------
# Atomic output: everything acrn.trace writes goes to a temporary sibling first, then is renamed.
# ---------------------------------------------------------------------------------------------------
def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


#: The writers' temporary folders: hidden (so no reader takes one for a capture), named by the process
#: that writes them, so that one left by a killed process (SIGKILL) can be recognised and removed.
TEMP_DIR_RE = re.compile(r"^\.(?P<dest>.+)\.(?P<pid>[0-9]+)\.[^.]+\.tmp$")


def make_temp_dir(dest: Path) -> Path:
    """A new empty folder beside ``dest`` (to be renamed onto it), with a normal folder's mode; stale
    temporary folders of dead processes beside it are removed first."""
    remove_stale_temp_dirs(dest.parent)
    tmp = Path(tempfile.mkdtemp(prefix=".%s.%d." % (dest.name, os.getpid()), suffix=".tmp", dir=dest.parent))
    os.chmod(tmp, 0o777 & ~_umask())
    return tmp


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, but not ours to signal
        return True
    return True


def remove_stale_temp_dirs(folder: Path) -> list:
    """Remove the writers' temporary folders in ``folder`` whose process is gone; returns their paths."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        m = TEMP_DIR_RE.match(entry.name)
        if m and not _process_alive(int(m.group("pid"))):
            remove_tree_quietly(entry.path)
            removed.append(Path(entry.path))
    return removed


def atomic_write_bytes(path: str | os.PathLike, data: bytes | str) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename."""
    with AtomicOutput(path, "w" if isinstance(data, str) else "wb") as out:
        out.write(data)


class AtomicOutput:
    """A file opened for writing that appears at ``path`` only when the block exits without error.

    >>> with AtomicOutput("trace.json", "w") as out: out.write("...")
    """

    def __init__(self, path: str | os.PathLike, mode: str = "w"):
        self.path = Path(path)
        self.mode = mode
        self._tmp: str | None = None
        self._file = None

    def __enter__(self):
        fd, self._tmp = tempfile.mkstemp(prefix="." + self.path.name + ".", suffix=".tmp",
                                         dir=self.path.parent)
        os.chmod(self._tmp, 0o666 & ~_umask())
        self._file = os.fdopen(fd, self.mode, newline="" if "b" not in self.mode else None)
        return self._file

    def __exit__(self, exc_type, exc, tb):
        self._file.close()
        if exc_type is None:
            os.replace(self._tmp, self.path)
        else:
            _unlink_quietly(self._tmp)
        return False


def _unlink_quietly(path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def remove_tree_quietly(path) -> None:
    shutil.rmtree(path, ignore_errors=True)
