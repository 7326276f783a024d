"""The wheel carries the data: an installed sinorus works from any directory."""

import json
import os
import subprocess
import sys
import zipfile

import pytest

from conftest import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )
    if proc.returncode != 0:
        pytest.skip(f"cannot build a wheel here: {proc.stderr.strip()[-300:]}")
    return next(out.glob("sinorus-*.whl"))


def test_wheel_contains_data_and_seeds(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    data = [n for n in names if n.startswith("sinorus/_bundled/data/") and n.endswith(".yaml")]
    seeds = [n for n in names if n.startswith("sinorus/_bundled/seeds/")]
    assert len(data) == len(list((ROOT / "data").glob("*.yaml")))
    assert sorted(os.path.basename(s) for s in seeds) == sorted(p.name for p in (ROOT / "seeds").iterdir())


def test_installed_package_runs_outside_the_repo(wheel, tmp_path):
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)], check=True, timeout=300)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site), "SINORUS_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("SINORUS_DATA", None)
    probe = "import sinorus, sys; print(sinorus.__file__)"
    where = subprocess.run([sys.executable, "-c", probe], cwd=elsewhere, env=env, capture_output=True, text=True)
    assert where.stdout.startswith(str(site))
    for args in (["timeline", "--from", "2019"], ["check"]):
        proc = subprocess.run([sys.executable, "-m", "sinorus", *args], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip()
    check = subprocess.run([sys.executable, "-m", "sinorus", "check"], cwd=elsewhere, env=env, capture_output=True, text=True)
    assert "5 of 5 articles" in check.stdout


def test_wheel_carries_the_license(wheel):
    """The MIT licence pyproject.toml declares travels with every installed copy."""
    z = zipfile.ZipFile(wheel)
    licences = [n for n in z.namelist() if n.endswith(".dist-info/licenses/LICENSE")]
    assert licences, z.namelist()
    text = z.read(licences[0]).decode("utf-8")
    assert text == (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "sinorus contributors" in text
    metadata = z.read(next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))).decode("utf-8")
    assert "License-Expression: MIT" in metadata and "License-File: LICENSE" in metadata


def test_installed_package_speaks_vietnamese(wheel, tmp_path):
    """The catalogue travels in the wheel (.mo beside its .po) and an installed sinorus, run
    from elsewhere, finds it: tables, errors and help in Vietnamese; JSON as in English."""
    names = zipfile.ZipFile(wheel).namelist()
    assert {"sinorus/locale/vi/LC_MESSAGES/sinorus.mo", "sinorus/locale/vi/LC_MESSAGES/sinorus.po"} <= set(names)
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)], check=True, timeout=300)
    env = {**os.environ, "PYTHONPATH": str(site), "SINORUS_CACHE_DIR": str(tmp_path / "cache"), "COLUMNS": "200", "LANG": "vi_VN.UTF-8"}
    for name in ("SINORUS_DATA", "SINORUS_LANG", "LC_ALL", "LC_MESSAGES"):
        env.pop(name, None)

    def sinorus(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "sinorus", *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)

    table = sinorus("timeline", "--from", "2025", "--format", "table")
    events = json.loads(sinorus("timeline", "--from", "2025", "--json").stdout)
    assert table.returncode == 0 and table.stdout.startswith("Thời gian"), table.stderr
    assert f"{len(events)} sự kiện" in table.stdout.splitlines()
    assert sinorus("who", "nobody-at-all").stderr.startswith("Lỗi: Không nhân vật nào khớp")
    assert sinorus("--help").stdout.startswith("Cách dùng: sinorus")
    english = sinorus("timeline", "--from", "2025", "--json", "--lang", "en")
    assert json.loads(english.stdout) == events
