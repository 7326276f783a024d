def test_version(cli):
    from sinorus import __version__

    r = cli("--version")
    assert r.code == 0
    assert r.stdout.startswith(f"sinorus {__version__} (data: ")  # what the data holds: tests/test_screen.py
