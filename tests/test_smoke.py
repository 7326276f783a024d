def test_version(cli):
    from sinorus import __version__

    r = cli("--version")
    assert r.code == 0
    assert r.stdout.strip() == f"sinorus {__version__}"
