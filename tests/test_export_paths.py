"""`export -o PATH` writes into what PATH is, as cp, rsync and git do, and never replaces it blindly.

Each kind of target a user (or an attacker preparing a path for them) can put at
PATH: stdout, a device, a FIFO, a socket, an open descriptor, a symlink, a hard
link, a read-only file, a file owned by someone else, a missing folder, a folder,
a full disk, ``ulimit -f``. Devices are made with mknod in a temporary folder and
a full disk is a tiny tmpfs in a private mount namespace (``unshare -m``): no test
ever writes to a real system path. Tests that need root, or an unprivileged user
(``setpriv``, uid 65534), skip with the reason when that is impossible here.
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

from conftest import ROOT

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
NOBODY = 65534
SINORUS = [sys.executable, "-m", "sinorus"]


@pytest.fixture(scope="module")
def expected() -> dict[str, bytes]:
    """What each format writes to stdout: the bytes every -o target must receive."""
    from conftest import invoke

    no_cache = {"SINORUS_NO_CACHE": "1"}  # module scope: the per-test private cache is not set up yet
    return {fmt: invoke("export", "-f", fmt, env=no_cache).stdout.encode("utf-8") for fmt in ("json", "csv")}


def sinorus(*args, timeout: float = 60, dev_guard: bool = False, **kwargs) -> subprocess.CompletedProcess:
    """`python -m sinorus ARGS` as a real process (bytes in, bytes out); see dev_read_only for dev_guard."""
    kwargs.setdefault("capture_output", True)
    cmd = [*SINORUS, *map(str, args)]
    return subprocess.run(dev_read_only(cmd) if dev_guard else cmd, timeout=timeout, **kwargs)


_RO_DEV = 'mount --bind /dev /dev && mount -o remount,bind,ro /dev && exec "$@"'


def dev_read_only(cmd: list[str]) -> list[str]:
    """cmd, run so that even a broken export cannot replace an entry of the real /dev (/dev/stdout).

    As root: in a private mount namespace where /dev is bound read-only (device nodes stay
    writable, read-only mounts refuse only files, folders and links). Others cannot write /dev.
    """
    if not IS_ROOT:
        return cmd
    if shutil.which("unshare") is None:
        pytest.skip("as root, a /dev test needs unshare to protect the real /dev")
    probe = subprocess.run(["unshare", "-m", "sh", "-c", _RO_DEV, "sh", "true"], capture_output=True, timeout=30)
    if probe.returncode != 0:
        pytest.skip(f"cannot bind /dev read-only in a private namespace: {probe.stderr.decode(errors='replace').strip()}")
    return ["unshare", "-m", "sh", "-c", _RO_DEV, "sh", *cmd]


def one_error_line(stderr: str | bytes) -> str:
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    assert text.count("\n") == 1 and text.startswith("Error: ") and "Traceback" not in text, text
    return text


def leftovers(folder: Path) -> list[str]:
    """Temporary files an export would leave beside its target."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# --- stdout and open descriptors ----------------------------------------------------------


def test_dash_is_stdout(cli, expected):
    r = cli("export", "-f", "json", "-o", "-")
    assert r.code == 0 and r.stdout.encode() == expected["json"] and r.stderr == ""


def test_dev_stdout_writes_to_the_pipe(expected):
    r = sinorus("export", "-f", "json", "-o", "/dev/stdout", dev_guard=True)
    assert r.returncode == 0 and r.stdout == expected["json"], r.stderr


def test_dev_stdout_appends_to_a_redirected_file(tmp_path, expected):
    """`sinorus export -o /dev/stdout >> log` keeps what log held: the descriptor, not a new file."""
    log = tmp_path / "log.csv"
    log.write_bytes(b"earlier line\n")
    with open(log, "ab") as out:
        r = sinorus("export", "-f", "csv", "-o", "/dev/stdout", stdout=out, stderr=subprocess.PIPE, capture_output=False, dev_guard=True)
    assert r.returncode == 0, r.stderr
    assert log.read_bytes() == b"earlier line\n" + expected["csv"]
    assert stat.S_ISREG(log.stat().st_mode) and leftovers(tmp_path) == []


def test_proc_self_fd_writes_to_that_descriptor(tmp_path, expected):
    """`3>file sinorus export -o /proc/self/fd/3` (and /dev/fd/3): the descriptor the shell opened."""
    for name in ("/proc/self/fd/{}", "/dev/fd/{}"):
        target = tmp_path / "fd.json"
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            r = sinorus("export", "-f", "json", "-o", name.format(fd), pass_fds=(fd,), dev_guard=True)
        finally:
            os.close(fd)
        assert r.returncode == 0, r.stderr
        assert target.read_bytes() == expected["json"] and r.stdout == b""
        assert leftovers(tmp_path) == []


# --- devices, FIFOs, sockets ----------------------------------------------------------------


def make_device(folder: Path, name: str, minor: int) -> Path:
    """A character device node in a temporary folder (1,3 is null, 1,7 is full): never a real /dev entry."""
    if not IS_ROOT:
        pytest.skip("making a device node needs root")
    path = folder / name
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
        with open(path, "wb"):
            pass
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot make or open a device node here ({exc.strerror}): mounted nodev, or no CAP_MKNOD")
    return path


def test_a_device_is_written_not_replaced(cli, tmp_path):
    null = make_device(tmp_path, "null", 3)
    before = null.stat()
    r = cli("export", "-f", "json", "-o", null)
    assert r.code == 0, r.stderr
    after = null.stat()
    assert stat.S_ISCHR(after.st_mode), "the device was replaced by a regular file"
    assert (after.st_ino, after.st_rdev, stat.S_IMODE(after.st_mode)) == (before.st_ino, before.st_rdev, stat.S_IMODE(before.st_mode))
    assert leftovers(tmp_path) == []


def test_a_symlink_to_a_device_writes_the_device(cli, tmp_path):
    null = make_device(tmp_path, "null", 3)
    link = tmp_path / "out.json"
    link.symlink_to(null)
    assert cli("export", "-f", "json", "-o", link).code == 0
    assert link.is_symlink() and stat.S_ISCHR(null.stat().st_mode)


def test_a_full_device_is_one_error_line(cli, tmp_path):
    full = make_device(tmp_path, "full", 7)
    r = cli("export", "-f", "json", "-o", full)
    assert r.code == 1 and "No space left on device" in one_error_line(r.stderr)
    assert stat.S_ISCHR(full.stat().st_mode) and "exported" not in r.stderr


def test_a_fifo_is_written_to_its_reader(tmp_path, expected):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as f:  # waits for the writer; the finally below unblocks it if none comes
            got.append(f.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        r = sinorus("export", "-f", "json", "-o", fifo, timeout=30)
    finally:
        reader.join(timeout=10)
        if reader.is_alive():  # unblock a reader still waiting, so the test can never hang
            with open(fifo, "wb"):
                pass
            reader.join(timeout=5)
    assert r.returncode == 0, r.stderr
    assert got == [expected["json"]], "the reader got nothing: the FIFO was replaced"
    assert stat.S_ISFIFO(fifo.stat().st_mode) and leftovers(tmp_path) == []


def test_a_socket_is_one_error_line_and_stays(cli, tmp_path):
    path = tmp_path / "s.json"
    with socket.socket(socket.AF_UNIX) as s:
        try:
            s.bind(str(path))
        except OSError as exc:
            pytest.skip(f"cannot bind a unix socket here: {exc}")
        r = cli("export", "-f", "json", "-o", path)
    assert r.code == 1 and "s.json" in one_error_line(r.stderr)
    assert stat.S_ISSOCK(path.lstat().st_mode) and leftovers(tmp_path) == []


# --- regular files: links, mode, owner ----------------------------------------------------


def test_a_symlink_is_followed_and_its_target_replaced(cli, tmp_path, expected):
    target = tmp_path / "real" / "data.json"
    target.parent.mkdir()
    target.write_text("old")
    os.chmod(target, 0o640)
    link = tmp_path / "link.json"
    link.symlink_to(Path("real") / "data.json")
    r = cli("export", "-f", "json", "-o", link)
    assert r.code == 0, r.stderr
    assert link.is_symlink() and os.readlink(link) == str(Path("real") / "data.json"), "the link stays a link"
    assert target.read_bytes() == expected["json"] and stat.S_IMODE(target.stat().st_mode) == 0o640
    assert leftovers(tmp_path) == [] and leftovers(target.parent) == []


def test_a_dangling_symlink_is_refused(cli, tmp_path):
    link = tmp_path / "out.json"
    link.symlink_to(tmp_path / "missing" / "x.json")
    r = cli("export", "-f", "json", "-o", link)
    assert r.code == 1 and "symbolic link" in one_error_line(r.stderr)
    assert link.is_symlink() and not (tmp_path / "missing").exists()


def test_a_hard_link_keeps_sharing_the_new_text(cli, tmp_path, expected):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("old,text\r\n")
    os.link(first, second)
    r = cli("export", "-f", "csv", "-o", second)
    assert r.code == 0, r.stderr
    assert first.stat().st_ino == second.stat().st_ino and first.stat().st_nlink == 2
    assert first.read_bytes() == second.read_bytes() == expected["csv"]
    assert leftovers(tmp_path) == []


def test_a_hard_link_shrinks_to_the_new_size(cli, tmp_path, expected):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_bytes(b"x" * (len(expected["csv"]) * 3))
    os.link(first, second)
    assert cli("export", "-f", "csv", "-o", first).code == 0
    assert second.read_bytes() == expected["csv"]


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o664, 0o604])
def test_an_existing_file_keeps_its_mode(cli, tmp_path, mode):
    target = tmp_path / "out.json"
    target.write_text("old")
    os.chmod(target, mode)
    assert cli("export", "-f", "json", "-o", target).code == 0
    assert stat.S_IMODE(target.stat().st_mode) == mode


def test_a_new_file_gets_the_umask_mode(cli, tmp_path):
    old = os.umask(0o027)
    try:
        assert cli("export", "-f", "json", "-o", tmp_path / "new.json").code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o640


@pytest.mark.skipif(not IS_ROOT, reason="giving a file to another user needs root")
def test_root_keeps_the_owner_of_a_users_file(cli, tmp_path, expected):
    target = tmp_path / "theirs.json"
    target.write_text("old")
    os.chown(target, NOBODY, NOBODY)
    os.chmod(target, 0o644)
    assert cli("export", "-f", "json", "-o", target).code == 0
    st = target.stat()
    assert (st.st_uid, st.st_gid) == (NOBODY, NOBODY), "a root export made the user's file root-owned"
    assert target.read_bytes() == expected["json"]


# --- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", [0o444, 0o400, 0o440])
def test_a_read_only_file_is_refused_unless_forced(cli, tmp_path, expected, mode):
    target = tmp_path / "keep.json"
    target.write_text("precious")
    os.chmod(target, mode)
    r = cli("export", "-f", "json", "-o", target)
    assert r.code == 1 and "--force" in one_error_line(r.stderr) and "read-only" in r.stderr
    assert target.read_text() == "precious" and leftovers(tmp_path) == []
    forced = cli("export", "-f", "json", "-o", target, "--force")
    assert forced.code == 0, forced.stderr
    assert target.read_bytes() == expected["json"] and stat.S_IMODE(target.stat().st_mode) == mode


def test_a_read_only_hard_link_is_refused_and_both_names_kept(cli, tmp_path):
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_text("precious")
    os.link(first, second)
    os.chmod(first, 0o444)
    assert cli("export", "-f", "json", "-o", second).code == 1
    assert first.read_text() == second.read_text() == "precious"


def test_a_missing_folder_is_an_error_and_never_created(cli, tmp_path):
    target = tmp_path / "no" / "such" / "out.json"
    r = cli("export", "-f", "json", "-o", target)
    assert r.code == 1 and "folder" in one_error_line(r.stderr)
    assert not (tmp_path / "no").exists()


def test_a_file_as_a_folder_is_an_error(cli, tmp_path):
    (tmp_path / "plain").write_text("x")
    r = cli("export", "-f", "json", "-o", tmp_path / "plain" / "out.json")
    assert r.code == 1 and one_error_line(r.stderr)
    assert (tmp_path / "plain").read_text() == "x"


@pytest.mark.parametrize("name", ["", "name/", "name/.", ".", ".."])
def test_an_empty_or_folder_path_is_a_usage_error(cli, tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    r = cli("export", "-f", "json", "-o", name)
    assert r.code == 2 and "--output" in one_error_line(r.stderr)
    assert sorted(os.listdir(tmp_path)) == [], "nothing is written for a usage error"


def test_an_existing_folder_is_a_usage_error_even_without_format(cli, tmp_path):
    (tmp_path / "d.json").mkdir()
    r = cli("export", "-o", tmp_path / "d.json")
    assert r.code == 2 and "directory" in one_error_line(r.stderr)
    assert list((tmp_path / "d.json").iterdir()) == []


# --- a failing write leaves the old file whole ----------------------------------------------


def _limited(limit: int):
    def preexec() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return preexec


@pytest.mark.parametrize("linked", [False, True], ids=["file", "hard-linked"])
def test_ulimit_f_keeps_the_old_file(tmp_path, expected, linked):
    target = tmp_path / "out.json"
    target.write_text("old")
    if linked:
        os.link(target, tmp_path / "other.json")
    limit = len(expected["json"]) // 4
    r = sinorus("export", "-f", "json", "-o", target, preexec_fn=_limited(limit))
    assert r.returncode == 1 and "File too large" in one_error_line(r.stderr)
    assert target.read_text() == "old" and leftovers(tmp_path) == []


def _in_tiny_tmpfs(tmp_path: Path, script: str) -> subprocess.CompletedProcess:
    """Run a shell script as root in a private mount namespace with $T a 16 KiB tmpfs."""
    if not IS_ROOT or shutil.which("unshare") is None:
        pytest.skip("a private tmpfs needs root and unshare")
    mount = tmp_path / "tiny"
    mount.mkdir()
    probe = subprocess.run(["unshare", "-m", "sh", "-c", f"mount -t tmpfs -o size=16k tmpfs {mount}"], capture_output=True, timeout=30)
    if probe.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs in a private namespace here: {probe.stderr.decode(errors='replace').strip()}")
    env = {**os.environ, "T": str(mount), "SINORUS": " ".join(SINORUS)}
    full = f"set -u; mount --make-rprivate / 2>/dev/null; mount -t tmpfs -o size=16k tmpfs \"$T\" || exit 99\n{script}"
    return subprocess.run(["unshare", "-m", "sh", "-c", full], capture_output=True, timeout=120, env=env, cwd=ROOT)


@pytest.mark.parametrize("linked", [False, True], ids=["file", "hard-linked"])
def test_a_full_disk_keeps_the_old_file(tmp_path, expected, linked):
    assert len(expected["json"]) > 16 * 1024, "the export must not fit on the tiny disk"
    link = 'ln "$T/out.json" "$T/other.json"' if linked else ":"
    r = _in_tiny_tmpfs(tmp_path, f"""
printf old > "$T/out.json"; {link}
$SINORUS export -f json -o "$T/out.json" 2>"$T/err"; echo "code=$?"
echo "content=$(cat "$T/out.json")"; echo "files=$(ls -A "$T" | tr '\\n' ' ')"; cat "$T/err"
""")
    out = r.stdout.decode()
    assert "code=1\n" in out and "content=old\n" in out, out + r.stderr.decode()
    files = out.split("files=")[1].split("\n")[0].split()
    assert sorted(files) == sorted(["out.json", "err"] + (["other.json"] if linked else [])), "a temporary file was left"
    assert out.rstrip().endswith("Error: No space left on device")


# --- the success line -------------------------------------------------------------------------


HOSTILE_NAMES = ["evil\x1b]0;pwned\x07.json", "a\x1b[31mred\x1b[0m.json", "\u202eevil.json", "bell\x07\x9b2J.json", "two\nlines.json"]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_the_success_line_never_echoes_controls(cli, tmp_path, expected, name):
    r = cli("export", "-f", "json", "-o", tmp_path / name)
    assert r.code == 0, r.stderr
    assert (tmp_path / name).read_bytes() == expected["json"], "the file keeps the name asked for"
    line = r.stderr
    assert line.startswith("exported ") and line.count("\n") == 1
    assert not any(c in line[:-1] for c in "\x1b\x07\x9b\u202e\n\r"), repr(line)


# --- as an unprivileged user -------------------------------------------------------------------


def as_nobody(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """`sinorus ARGS` as uid/gid 65534 with no groups.

    The interpreter may live under a folder only root can enter (/root/.pyenv); then the
    process keeps CAP_DAC_READ_SEARCH, which lets it read and look up files but never
    write one, so every write permission is checked as for any user.
    """
    if not IS_ROOT or shutil.which("setpriv") is None:
        pytest.skip("switching to an unprivileged user needs root and setpriv")
    drop = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    env = {**os.environ, "SINORUS_NO_CACHE": "1", "HOME": str(cwd)}
    for extra in ([], ["--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search"]):
        probe = subprocess.run([*drop, *extra, sys.executable, "-c", "import sinorus"], capture_output=True, cwd=cwd, env=env, timeout=60)
        if probe.returncode == 0:
            return subprocess.run([*drop, *extra, *SINORUS, *args], capture_output=True, cwd=cwd, env=env, timeout=60)
    pytest.skip(f"uid {NOBODY} cannot run this interpreter: {probe.stderr.decode(errors='replace').strip()[-200:]}")


@pytest.fixture
def shared_folder():
    """A folder outside pytest's private (0700) tree, owned by nobody, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="sinorus-nobody-"))
    os.chmod(folder, 0o755)
    if IS_ROOT:
        os.chown(folder, NOBODY, NOBODY)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_nobody_writes_a_new_file_and_may_not_replace_roots(shared_folder, expected):
    r = as_nobody("export", "-f", "json", "-o", "mine.json", cwd=shared_folder)
    assert r.returncode == 0, r.stderr
    mine = shared_folder / "mine.json"
    assert mine.read_bytes() == expected["json"] and mine.stat().st_uid == NOBODY
    theirs = shared_folder / "roots.json"
    theirs.write_text("root's")
    os.chmod(theirs, 0o644)
    r = as_nobody("export", "-f", "json", "-o", "roots.json", cwd=shared_folder)
    assert r.returncode == 1 and "read-only" in one_error_line(r.stderr)
    assert theirs.read_text() == "root's" and theirs.stat().st_uid == 0


def test_nobody_read_only_file_is_refused_then_forced(shared_folder, expected):
    own = shared_folder / "own.json"
    own.write_text("keep")
    os.chown(own, NOBODY, NOBODY)
    os.chmod(own, 0o444)
    r = as_nobody("export", "-f", "json", "-o", "own.json", cwd=shared_folder)
    assert r.returncode == 1 and own.read_text() == "keep"
    r = as_nobody("export", "-f", "json", "-o", "own.json", "--force", cwd=shared_folder)
    assert r.returncode == 0 and own.read_bytes() == expected["json"] and stat.S_IMODE(own.stat().st_mode) == 0o444


def test_nobody_writes_a_writable_file_in_a_folder_it_cannot_write(shared_folder, expected):
    """No temporary file can go beside it, so the file itself is written (as cp would)."""
    locked = shared_folder / "locked"
    locked.mkdir()
    target = locked / "out.json"
    target.write_text("old")
    os.chown(target, NOBODY, NOBODY)
    os.chmod(locked, 0o755)  # owned by root: nobody may not create files here
    r = as_nobody("export", "-f", "json", "-o", target, cwd=shared_folder)
    assert r.returncode == 0, r.stderr
    assert target.read_bytes() == expected["json"] and os.listdir(locked) == ["out.json"]


def test_nobody_writes_dev_null_as_a_device():
    """The real /dev/null, only ever as a user who cannot replace it (root drops to uid 65534 first)."""
    before = os.stat("/dev/null")
    args = ("export", "-f", "json", "-o", "/dev/null")
    r = as_nobody(*args, cwd=Path("/")) if IS_ROOT else sinorus(*args, cwd="/")
    assert r.returncode == 0, r.stderr
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)
