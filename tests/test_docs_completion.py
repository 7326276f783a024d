"""Docs match the code; shell completion offers real names and ids."""

import re

from conftest import ROOT, run_subprocess


def _commands():
    import typer.main

    from sinorus.cli.app import app

    group = typer.main.get_command(app)
    return sorted(group.commands)


def test_every_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [c for c in _commands() if f"sinorus {c}" not in readme]
    assert not missing, f"undocumented commands: {missing}"


def test_readme_starts_with_the_two_commands_and_ci_runs_the_second():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)\n```", readme, re.S)
    assert blocks[0].startswith("pip install . && sinorus timeline")
    assert "pytest" in blocks[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert blocks[1].strip() in ci


def test_completion_offers_people_topics_and_ids():
    env = {"_SINORUS_COMPLETE": "complete_bash", "COMP_WORDS": "sinorus who Sho", "COMP_CWORD": "2"}
    r = run_subprocess(env=env)
    assert {"Shoigu", "Shoygu"} <= set(r.stdout.split())
    env = {"_SINORUS_COMPLETE": "complete_bash", "COMP_WORDS": "sinorus timeline --topic sc", "COMP_CWORD": "3"}
    assert "sco" in run_subprocess(env=env).stdout.split()
    env = {"_SINORUS_COMPLETE": "complete_bash", "COMP_WORDS": "sinorus show no-lim", "COMP_CWORD": "2"}
    assert "no-limits-joint-statement-2022-02-04" in run_subprocess(env=env).stdout.split()


def test_readme_check_output_is_current(cli):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first = cli("check").stdout.splitlines()[0]
    assert first in readme, f"README shows an old `sinorus check` summary; now: {first}"
