"""`sinorus who`: the person, their roles with dates, events and quotes."""


def test_who_shoigu_json(cli, kb):
    r = cli("who", "Shoigu", "--json")
    assert r.code == 0
    p = r.json()
    assert p["id"] == "sergei-shoigu" and p["name"] == "Sergei Shoigu"
    assert "Шойгу" in p["aliases"]
    assert {e["id"] for e in p["events"]} == {e.id for e in kb.events.values() if "sergei-shoigu" in e.people}
    assert {q["id"] for q in p["quotes"]} == {q.id for q in kb.quotes.values() if q.speaker == "sergei-shoigu"}
    assert all(q["speaker"] == "sergei-shoigu" for q in p["quotes"])


def test_same_person_under_every_spelling(cli):
    ids = {cli("who", q, "--json").json()["id"] for q in ("Shoigu", "Shoygu", "Шойгу", "Soi-gu")}
    assert ids == {"sergei-shoigu"}
    assert cli("who", "Vuong Nghi", "--json").json()["id"] == "wang-yi"
    assert cli("who", "tap can binh", "--json").json()["id"] == "xi-jinping"


def test_roles_on_a_date(cli):
    in_2023 = cli("who", "Shoigu", "--on", "2023", "--json").json()["roles_on"]
    assert [r["title"] for r in in_2023] == ["Minister of Defence of Russia"]
    in_2025 = cli("who", "Shoigu", "--on", "2025", "--json").json()["roles_on"]
    assert any("Security Council" in r["title"] for r in in_2025)
    assert not any("Defence" in r["title"] for r in in_2025)
    # May 2024 covers the hand-over: both roles overlap it
    both = cli("who", "Shoigu", "--on", "2024-05", "--json").json()["roles_on"]
    assert len([r for r in both if "Defence" in r["title"] or "Security Council" in r["title"]]) == 2


def test_ambiguous_name_lists_candidates(cli):
    r = cli("who", "Sergei")
    assert r.code == 1
    assert "sergei-lavrov" in r.stderr and "sergei-shoigu" in r.stderr
    assert r.stdout == ""


def test_no_match_suggests(cli):
    r = cli("who", "Shoiguu Xyz")
    assert r.code in (0, 1)
    r = cli("who", "qwertyuiop")
    assert r.code == 1 and r.stderr.startswith("Error: No person matches")
    assert len(r.stderr.strip().splitlines()) == 1


def test_who_table_shows_names_roles_events(cli):
    r = cli("who", "Wang Yi", "--format", "table", env={"COLUMNS": "100"})
    assert r.code == 0
    for text in ("Wang Yi", "Vương Nghị", "王毅", "Roles", "Events", "Quotes", "Minister of Foreign Affairs"):
        assert text in r.stdout


# --- a stranger is nobody, the same way for who, --who and --speaker -----------------------------

STRANGERS = ["Vladimir Lenin", "Xi Mingze", "Joe Manchin", "Dmitry Patrushev", "Hunter Biden", "Wang Yu"]


def _as_person_filter(how, name):
    return {"who": ("who", name, "--json"), "--who": ("timeline", "--who", name, "--json"),
            "--speaker": ("quote", "--speaker", name, "--json")}[how]


import pytest  # noqa: E402


@pytest.mark.parametrize("name", STRANGERS)
def test_a_stranger_is_not_found_alike_everywhere(cli, name):
    answers = {how: cli(*_as_person_filter(how, name)) for how in ("who", "--who", "--speaker")}
    for how, r in answers.items():
        assert r.code == 1 and r.stdout == "", (how, r)
        assert r.stderr.startswith(f'Error: No person matches "{name}"'), (how, r.stderr)
    assert len({r.stderr for r in answers.values()}) == 1  # one message shape


@pytest.mark.parametrize("typo, person", [("Lavrow", "Sergei Lavrov"), ("Patrushef", "Nikolai Patrushev"), ("Xi Jinpeng", "Xi Jinping"), ("Shaigu", "Sergei Shoigu")])
def test_a_typo_is_taken_and_said_on_stderr_only(cli, typo, person):
    for how in ("who", "--who", "--speaker"):
        r = cli(*_as_person_filter(how, typo))
        assert r.code == 0, (how, r.stderr)
        assert r.stderr == f'matched "{typo}" to {person}\n', (how, r.stderr)
        r.json()  # stdout is the answer alone


def test_an_exact_name_says_nothing_on_stderr(cli):
    r = cli("who", "Lavrov", "--json")
    assert r.code == 0 and r.stderr == ""


def test_a_stranger_filter_never_swaps_in_another_persons_events(cli):
    r = cli("timeline", "--who", "Vladimir Lenin", "--json")
    assert r.code == 1 and r.stdout == ""
