"""Files replaced whole: readers see the old file or the new one, never half of either."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


@contextmanager
def replacing(target: Path) -> Iterator[Path]:
    """A private temporary path beside target: renamed over it when the block succeeds,
    removed when it fails or is interrupted (Ctrl-C, SIGTERM)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_atomic(path: Path, text: str) -> None:
    """Write UTF-8 text (line ends as given) through a temporary file and a rename."""
    with replacing(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
