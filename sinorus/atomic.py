"""Files replaced whole: readers see the old file or the new one, never half of either.

Two kinds of writer. The cache owns its files: ``replacing`` and ``write_atomic``
make its folder and rename a private temporary file over the target. An export
writes where the user points (``write_into``), the way cp, rsync and git do: a
device, pipe or open descriptor is written as it is; a symlink is followed and
its target replaced; an existing file keeps its mode, owner and hard links; a
read-only file is refused unless forced; no folder is ever created.
"""

from __future__ import annotations

import errno
import io
import os
import re
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Callable, Iterator, Union

# What an export writes: its bytes, or a function that writes the file at the path it is
# given (for formats a library writes itself, such as an SQLite database).
Content = Union[bytes, Callable[[Path], None]]

_CHUNK = 1 << 20


@contextmanager
def replacing(target: Path) -> Iterator[Path]:
    """A private temporary path beside target: renamed over it when the block succeeds,
    removed when it fails or is interrupted (Ctrl-C, SIGTERM). Creates target's folder."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with _beside(target) as tmp:
        yield tmp


@contextmanager
def _beside(target: Path) -> Iterator[Path]:
    """A private (0600) temporary file in target's folder, renamed over target when the block
    succeeds, removed when it fails (disk full, ulimit -f, Ctrl-C, SIGTERM)."""
    tmp = None
    try:
        with _signals_held():  # a signal between creating the file and knowing its name would orphan it
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            os.close(fd)
        yield Path(tmp)
        os.replace(tmp, target)
    except BaseException:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        raise


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM for the block; they are delivered (as exceptions) right after it."""
    import signal

    held = {signal.SIGINT, signal.SIGTERM}
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (AttributeError, ValueError, OSError):  # no pthread_sigmask on this platform
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def write_atomic(path: Path, text: str) -> None:
    """Write UTF-8 text (line ends as given) through a temporary file and a rename."""
    with replacing(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())


# --- writing where the user points (export -o) ------------------------------------------------


def write_into(path: str, content: Content, *, force: bool = False) -> None:
    """Write content to path as the user means it; the old file stays whole when writing fails.

    - ``/dev/stdout``, ``/dev/fd/N``, ``/proc/self/fd/N``: our open descriptor N, as the shell would.
    - a device, FIFO or socket (also through a symlink): opened and written, no rename, no chmod.
    - a symlink to a file: its target is replaced; the link stays a link.
    - a file with other hard links: overwritten in place, so every link sees the new text
      (like cp); space is reserved first, so a full disk still leaves the old text whole.
    - any other existing file: a temporary file beside it, given its mode and (when we may)
      its owner and group, renamed over it.
    - a read-only file, or one we may not write: refused unless ``force``.
    - a new file: created in an existing folder with the mode the umask gives.
    """
    from sinorus.errors import SinorusError

    fd = descriptor_named(path)
    if fd is not None:
        write_descriptor(fd, content)
        return
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        _create(path, content)
        return
    if stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
    if not stat.S_ISREG(st.st_mode):
        _write_through(path, content)
        return
    target = os.path.realpath(path)
    writable = bool(st.st_mode & 0o222) and os.access(target, os.W_OK)
    if not writable and not force:
        from sinorus.i18n import _

        raise SinorusError(_("{path} is read-only").format(path=repr(path)), _("use --force to replace it"))
    folder = os.path.dirname(target) or "."
    if writable and (st.st_nlink > 1 or not os.access(folder, os.W_OK | os.X_OK)):
        _overwrite(target, content)
        return
    _replace(Path(target), content, st)


# Names of a descriptor this process already holds: writing means that descriptor, not a new file.
_DESCRIPTOR_NAME = re.compile(r"/dev/(?:(stdin|stdout|stderr)|fd/(\d+))|/proc/(?:self|thread-self|(\d+))/fd/(\d+)")


def descriptor_named(path: str) -> int | None:
    """The descriptor number a path like /dev/stdout or /proc/self/fd/3 names, if it names ours."""
    m = _DESCRIPTOR_NAME.fullmatch(os.path.normpath(os.path.abspath(path)))
    if m is None:
        return None
    std, dev_fd, pid, proc_fd = m.groups()
    if std is not None:
        return ("stdin", "stdout", "stderr").index(std)
    if pid is not None and int(pid) != os.getpid():
        return None
    return int(dev_fd if dev_fd is not None else proc_fd)


def write_descriptor(fd: int, content: Content) -> None:
    """Copy content to an open descriptor; 1 and 2 go through sys.stdout/sys.stderr (as '-o -' does)."""
    import sys

    stream = {1: sys.stdout, 2: sys.stderr}.get(fd)
    with _readable(content) as (src, _):
        if stream is None:
            _copy(src, fd)
            return
        stream.flush()
        buffer = getattr(stream, "buffer", None)
        try:
            if buffer is None:  # a text-only stand-in (a closed stdout, a test's capture)
                stream.write(src.read().decode("utf-8", "surrogateescape"))
            else:
                for chunk in iter(lambda: src.read(_CHUNK), b""):
                    buffer.write(chunk)
                buffer.flush()
        except BrokenPipeError:
            from sinorus.errors import OutputClosed

            raise OutputClosed() from None


def _create(path: str, content: Content) -> None:
    """A new file, in a folder that must already exist; never through a dangling symlink (as cp)."""
    from sinorus.errors import SinorusError
    from sinorus.i18n import _

    if os.path.islink(path):
        raise SinorusError(_("{path} is a symbolic link to a missing file").format(path=repr(path)), _("not writing through a dangling link: remove it, or point it at a file"))
    folder = os.path.dirname(path) or "."
    if not os.path.isdir(folder):
        raise SinorusError(_("no folder {folder} to write {file} into").format(folder=repr(folder), file=repr(os.path.basename(path))), _("create the folder first: sinorus never creates folders"))
    _replace(Path(path), content, None)


def _replace(target: Path, content: Content, old: os.stat_result | None) -> None:
    """Temporary file + rename, with the old file's mode and owner, or a new file's normal mode."""
    mode = old.st_mode & 0o7777 if old is not None else 0o666 & ~_umask()
    with _beside(target) as tmp:
        if callable(content):
            content(tmp)
        else:
            with open(tmp, "wb") as fh:
                fh.write(content)
        if old is not None:
            _same_owner(tmp, old)
        os.chmod(tmp, mode)  # after chown, which clears set-id bits; the temporary file was 0600
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
    _sync_folder(target.parent)


def _overwrite(target: str, content: Content) -> None:
    """Write into the file itself (its inode), keeping hard links, owner, mode, ACLs.

    Growth is reserved before the first byte changes, so a full disk or ``ulimit -f``
    fails with the old text still whole.
    """
    with _readable(content) as (src, size):
        fd = os.open(target, os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC)
        try:
            old = os.fstat(fd).st_size
            if size > old:
                _reserve(fd, old, size)
            _copy(src, fd)
            os.ftruncate(fd, size)
            os.fsync(fd)
        finally:
            os.close(fd)


def _reserve(fd: int, old: int, size: int) -> None:
    """Allocate the bytes a file will grow by; undo and raise when they cannot be had."""
    try:
        os.posix_fallocate(fd, old, size - old)
    except OSError as exc:
        try:
            os.ftruncate(fd, old)
        except OSError:
            pass
        if exc.errno not in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
            raise  # ENOSPC, EFBIG (ulimit -f), EDQUOT: nothing written yet


def _write_through(path: str, content: Content) -> None:
    """A device, FIFO or socket: open it and write, as the shell's '>' would (no rename, no chmod)."""
    with _readable(content) as (src, _):
        fd = os.open(path, os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC)
        try:
            _copy(src, fd)
        finally:
            os.close(fd)


@contextmanager
def _readable(content: Content) -> Iterator[tuple[BinaryIO, int]]:
    """Content as a binary file to copy from, and its size; a callback writes into a private temporary folder."""
    if not callable(content):
        yield io.BytesIO(content), len(content)
        return
    with tempfile.TemporaryDirectory(prefix="sinorus-") as folder:
        path = Path(folder) / "export"
        content(path)
        with open(path, "rb") as fh:
            yield fh, os.fstat(fh.fileno()).st_size


def _copy(src: BinaryIO, fd: int) -> None:
    """Every byte of src to fd; a reader that left (EPIPE) stops the run quietly, like '| head'."""
    from sinorus.errors import OutputClosed

    try:
        for chunk in iter(lambda: src.read(_CHUNK), b""):
            view = memoryview(chunk)
            while view:
                view = view[os.write(fd, view):]
    except BrokenPipeError:
        raise OutputClosed() from None


def _same_owner(path: Path, old: os.stat_result) -> None:
    """Give path the old file's owner and group where we may (root: both; a member: the group)."""
    for uid in (old.st_uid, -1):
        try:
            os.chown(path, uid, old.st_gid)
            return
        except OSError:
            continue


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def _sync_folder(folder: Path) -> None:
    """Make the rename durable; best effort (some file systems cannot fsync a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
