"""Write a large, valid sinorus data set: `python benchmarks/make_big.py [N] [OUT_DIR]`.

N events (default 100,000) with realistic titles and summaries, dates across
1990–2030 in mixed precision (day, month, year; some approximate or uncertain;
some with an end date), people and topics, plus quotes (N/10) and facts (N/20),
split over several YAML files of at most 20,000 records each (the loader caps a
file at 32 MiB). Every source is a generated article under OUT_DIR/articles/,
and every excerpt and quote is a verbatim sentence of its article, so

    sinorus --data OUT_DIR check

passes. Deterministic: the same N and --seed give the same bytes. The people
include the bundled names (Shoigu, Putin, Xi, Lavrov, Wang Yi, ...) in several
scripts, so `sinorus --data OUT_DIR who Shoigu` and `search "no limits"` mean
the same as on the bundled data.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

PER_FILE = 5_000

CORE_PEOPLE = [
    ("xi-jinping", "Xi Jinping", "Tập Cận Bình", ["ông Tập", "Xi", "习近平"], "CN", "President of China", "People's Republic of China", "2013-03-14"),
    ("vladimir-putin", "Vladimir Putin", "Vla-đi-mia Pu-tin", ["Putin", "Владимир Путин", "普京"], "RU", "President of Russia", "Russian Federation", "2000-05-07"),
    ("sergei-shoigu", "Sergei Shoigu", "Xơ-gây Soi-gu", ["Shoigu", "Sergey Shoygu", "Сергей Шойгу", "Шойгу", "绍伊古"], "RU", "Minister of Defence of Russia", "Ministry of Defence of Russia", "2012-11-06"),
    ("sergey-lavrov", "Sergey Lavrov", "Xéc-gây La-vrốp", ["Lavrov", "Сергей Лавров", "拉夫罗夫"], "RU", "Minister of Foreign Affairs of Russia", "Ministry of Foreign Affairs of Russia", "2004-03-09"),
    ("wang-yi", "Wang Yi", "Vương Nghị", ["Vuong Nghi", "王毅"], "CN", "Minister of Foreign Affairs of China", "Ministry of Foreign Affairs of China", "2013-03-16"),
    ("li-qiang", "Li Qiang", "Lý Cường", ["李强"], "CN", "Premier of China", "State Council of the People's Republic of China", "2023-03-11"),
    ("mikhail-mishustin", "Mikhail Mishustin", "Mi-kha-in Mi-su-xtin", ["Mishustin", "Михаил Мишустин"], "RU", "Prime Minister of Russia", "Government of Russia", "2020-01-16"),
    ("nikolai-patrushev", "Nikolai Patrushev", "Ni-cô-lai Pa-tru-sép", ["Patrushev", "Николай Патрушев"], "RU", "Secretary of the Security Council of Russia", "Security Council of Russia", "2008-05-12"),
    ("yang-jiechi", "Yang Jiechi", "Dương Khiết Trì", ["杨洁篪"], "CN", "Director of the Office of the Central Foreign Affairs Commission", "Communist Party of China", "2017-10"),
    ("dong-jun", "Dong Jun", "Đổng Quân", ["董军"], "CN", "Minister of National Defense of China", "Ministry of National Defense of China", "2023-12-29"),
]
RU_FIRST = ["Aleksandr", "Dmitry", "Igor", "Andrei", "Yuri", "Viktor", "Oleg", "Pavel", "Anton", "Maria", "Elena", "Olga", "Nikolai", "Boris", "Denis"]
RU_LAST = ["Ivanov", "Petrov", "Sokolov", "Morozov", "Volkov", "Kozlov", "Novak", "Orlov", "Belov", "Zakharov", "Manturov", "Siluanov", "Denisov", "Rudenko", "Borodin"]
CN_LAST = ["Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu", "Xu", "Sun", "Ma", "Hu", "Guo", "He", "Gao"]
CN_FIRST = ["Wei", "Jun", "Ming", "Hua", "Lei", "Jie", "Tao", "Qing", "Hong", "Bo", "Xin", "Yan", "Ping", "Gang", "Lan"]
ROLES = [
    ("Deputy Foreign Minister", "Ministry of Foreign Affairs"), ("Ambassador to Moscow", "Ministry of Foreign Affairs of China"),
    ("Ambassador to Beijing", "Ministry of Foreign Affairs of Russia"), ("Deputy Prime Minister", "Government"),
    ("Minister of Energy", "Government"), ("Chairman", "State energy company"), ("Governor", "Border province"),
    ("Spokesperson", "Ministry of Foreign Affairs"), ("Chief of the General Staff", "Armed forces"), ("Trade Representative", "Ministry of Commerce"),
]

TOPICS = [
    ("strategic-partnership", "China–Russia strategic partnership", "Quan hệ đối tác chiến lược Trung-Nga", ["strategic partnership", "no-limits partnership", "đối tác chiến lược"]),
    ("trade", "Bilateral trade", "Thương mại song phương", ["trade", "thương mại", "торговля", "贸易"]),
    ("energy", "Energy cooperation", "Hợp tác năng lượng", ["energy", "gas", "oil", "Power of Siberia", "năng lượng"]),
    ("military", "Military cooperation", "Hợp tác quân sự", ["defence", "joint exercises", "quân sự", "военное сотрудничество"]),
    ("sco", "Shanghai Cooperation Organisation", "Tổ chức Hợp tác Thượng Hải", ["SCO", "ШОС", "上海合作组织"]),
    ("brics", "BRICS", None, ["БРИКС", "金砖国家"]),
    ("ukraine", "War in Ukraine", "Chiến sự Ukraine", ["Ukraine", "Украина", "乌克兰"]),
    ("united-states", "Relations with the United States", "Quan hệ với Mỹ", ["United States", "US", "Mỹ"]),
    ("arctic", "Arctic and Northern Sea Route", "Bắc Cực", ["Arctic", "Northern Sea Route"]),
    ("space", "Space cooperation", "Hợp tác không gian", ["space", "lunar station", "không gian"]),
    ("finance", "Payments and currencies", "Thanh toán và tiền tệ", ["yuan", "rouble", "payments", "sanctions"]),
    ("leaders", "Leaders' meetings", "Các cuộc gặp thượng đỉnh", ["summit", "state visit", "thượng đỉnh"]),
    ("border", "Border and regions", "Biên giới", ["border", "Far East", "biên giới"]),
    ("world-order", "World order", "Trật tự thế giới", ["multipolar world", "multipolarity", "đa cực"]),
    ("security-consultations", "Strategic security consultations", "Tham vấn an ninh chiến lược", ["security consultations", "战略安全磋商"]),
    ("olympics", "Olympics", "Thế vận hội", ["Winter Olympics", "Olympic Games"]),
    ("technology", "Technology", "Công nghệ", ["semiconductors", "5G", "công nghệ"]),
    ("agriculture", "Agriculture", "Nông nghiệp", ["grain", "soybeans", "nông nghiệp"]),
]
CITIES = ["Moscow", "Beijing", "Shanghai", "St Petersburg", "Vladivostok", "Harbin", "Kazan", "Astana", "Samarkand", "Johannesburg", "Bishkek", "Dushanbe", "New Delhi", "Ufa", "Qingdao", "Sochi", "Tianjin", "Khabarovsk"]
THINGS = {
    "trade": ["a gas supply contract", "a grain export deal", "new trade targets", "a cross-border e-commerce platform"],
    "energy": ["a second gas pipeline", "an oil supply agreement", "a nuclear power plant", "Arctic liquefied gas"],
    "military": ["joint naval drills", "a joint air patrol", "military technology cooperation", "a missile early-warning system"],
    "finance": ["settlements in yuan and roubles", "a payment system link", "sanctions on banks", "a currency swap line"],
    "space": ["a joint lunar research station", "satellite navigation cooperation", "a space debris agreement"],
    "arctic": ["shipping on the Northern Sea Route", "icebreaker construction", "an Arctic research station"],
    "technology": ["semiconductor supplies", "5G equipment", "a joint research fund"],
    "agriculture": ["soybean imports", "wheat exports", "a border grain corridor"],
}
TITLE_TEMPLATES = [
    "{a} and {b} meet in {city}",
    "{a} holds talks with {b} on {thing}",
    "{a} visits {city} for talks on {thing}",
    "Russia and China sign agreement on {thing}",
    "{a} says relations with {country} are at their best ever",
    "Summit in {city} discusses {thing}",
    "{a} and {b} discuss {thing} by phone",
    "Delegation from {country} arrives in {city}",
    "{a} criticises Western pressure over {thing}",
    "Joint statement on {thing} issued in {city}",
]
SUMMARY_TEMPLATES = [
    "{a} and {b} discussed {thing} in {city}, according to both foreign ministries.",
    "The talks in {city} covered {thing}; officials said more agreements would follow.",
    "{a} told reporters in {city} that cooperation on {thing} would deepen this year.",
    "Both sides agreed to expand work on {thing} and to meet again in {city}.",
    "State media reported that {a} raised {thing} during the meeting with {b}.",
]
NO_LIMITS = [
    "{a} said the partnership with {country} has \"no limits\".",
    "The joint statement in {city} described a friendship with no limits and no forbidden areas.",
]
ARTICLE_SENTENCES = [
    "{a} met {b} in {city} to discuss {thing}.",
    "Officials in {city} said that {thing} remained a priority for both governments.",
    "Analysts said {thing} showed how far cooperation between Moscow and Beijing has come.",
    "{a} described relations with {country} as a comprehensive strategic partnership.",
    "Trade between the two countries reached {n} billion dollars, customs data showed.",
    "The two sides signed {m} documents on {thing} after the talks.",
    "{a} said the partnership has no limits and no forbidden areas of cooperation.",
    "Ông {vi} nói rằng hai nước sẽ tăng cường hợp tác về {thing} trong năm tới.",
    "Theo truyền thông nhà nước, cuộc gặp ở {city} diễn ra trong bầu không khí hữu nghị.",
]
COUNTRIES = ["China", "Russia"]


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON escapes are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


class Gen:
    def __init__(self, n: int, seed: int) -> None:
        self.n = n
        self.rnd = random.Random(seed)
        self.people = self._people(max(40, min(2_000, n // 300)))
        self.person_ids = [p["id"] for p in self.people]
        self.person_name = {p["id"]: p["name"] for p in self.people}
        self.person_vi = {p["id"]: p.get("name_vi") or p["name"] for p in self.people}
        self.topic_ids = [t[0] for t in TOPICS]
        self.articles = self._articles(max(12, min(400, n // 400)))

    # --- small sections -----------------------------------------------------------
    def _people(self, count: int) -> list[dict]:
        out = []
        for pid, name, vi, aliases, country, title, org, start in CORE_PEOPLE:
            out.append({"id": pid, "name": name, "name_vi": vi, "aliases": aliases, "country": country,
                        "roles": [{"title": title, "organisation": org, "start": start}]})
        seen = {p["id"] for p in out}
        rnd = self.rnd
        while len(out) < count:
            if rnd.random() < 0.5:
                name, country = f"{rnd.choice(RU_FIRST)} {rnd.choice(RU_LAST)}", "RU"
            else:
                name, country = f"{rnd.choice(CN_LAST)} {rnd.choice(CN_FIRST)}{rnd.choice(CN_FIRST).lower()}", "CN"
            pid = name.lower().replace(" ", "-")
            if pid in seen:
                pid = f"{pid}-{len(out)}"
            seen.add(pid)
            title, org = rnd.choice(ROLES)
            y = rnd.randint(1990, 2024)
            role = {"title": title, "organisation": org, "start": f"{y}-{rnd.randint(1, 12):02d}"}
            if rnd.random() < 0.5:
                role["end"] = str(rnd.randint(y + 1, 2030))
            out.append({"id": pid, "name": name, "country": country, "roles": [role]})
        return out

    def _fill(self, template: str, topic: str | None = None) -> str:
        rnd = self.rnd
        topic = topic or rnd.choice(list(THINGS))
        a, b = rnd.sample(self.person_ids[:40], 2)
        return template.format(
            a=self.person_name[a], b=self.person_name[b], vi=self.person_vi[a], city=rnd.choice(CITIES),
            thing=rnd.choice(THINGS.get(topic) or THINGS["trade"]), country=rnd.choice(COUNTRIES),
            n=rnd.randint(5, 250), m=rnd.randint(2, 30),
        )

    def _articles(self, count: int) -> list[tuple[str, str, list[str]]]:
        out = []
        for i in range(count):
            sentences = list(dict.fromkeys(self._fill(self.rnd.choice(ARTICLE_SENTENCES)) for _ in range(120)))
            out.append((f"gen-article-{i:04d}", f"articles/gen-article-{i:04d}.txt", sentences))
        return out

    def _cite(self) -> tuple[str, str]:
        sid, _, sentences = self.rnd.choice(self.articles)
        return sid, self.rnd.choice(sentences)

    def _date(self) -> tuple[str, str | None]:
        rnd = self.rnd
        y = rnd.randint(1990, 2030)
        p = rnd.random()
        if p < 0.7:
            m, d = rnd.randint(1, 12), rnd.randint(1, 28)
            text = f"{y}-{m:02d}-{d:02d}"
        elif p < 0.9:
            m = rnd.randint(1, 12)
            text = f"{y}-{m:02d}"
        else:
            text = str(y)
        end = None
        if rnd.random() < 0.08:
            end = str(min(2030, y + rnd.randint(0, 2))) if len(text) == 4 else f"{min(2030, y + rnd.randint(0, 1))}-12-31"
            if end < text[:10]:
                end = None
        mark = rnd.random()
        if mark < 0.03:
            text += "~"
        elif mark < 0.05:
            text += "?"
        return text, end

    # --- writers -----------------------------------------------------------------
    def write(self, out: Path) -> dict:
        out.mkdir(parents=True, exist_ok=True)
        (out / "articles").mkdir(exist_ok=True)
        for stale in list(out.glob("*.yaml")):
            stale.unlink()
        for sid, path, sentences in self.articles:
            body = f"Generated article {sid}\n\n" + "\n".join(" ".join(sentences[i:i + 4]) for i in range(0, len(sentences), 4)) + "\n"
            (out / path).write_text(body, encoding="utf-8")
        self._write_small(out)
        event_ids = self._write_events(out)
        n_quotes = self._write_quotes(out, event_ids)
        n_facts = self._write_facts(out, event_ids)
        return {"events": len(event_ids), "quotes": n_quotes, "facts": n_facts, "people": len(self.people), "topics": len(TOPICS), "sources": len(self.articles)}

    def _write_small(self, out: Path) -> None:
        lines = ["sources:"]
        for i, (sid, path, _) in enumerate(self.articles):
            lines += [f"- id: {sid}", f"  title: {_q(f'Generated report no. {i} on China–Russia relations')}", "  publisher: \"Generated Wire\"",
                      f"  published: \"{1990 + i % 41}\"", "  language: en", f"  file: {_q(path)}"]
        (out / "sources.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        lines = ["topics:"]
        for tid, label, vi, aliases in TOPICS:
            lines += [f"- id: {tid}", f"  label: {_q(label)}"] + ([f"  label_vi: {_q(vi)}"] if vi else [])
            lines += ["  aliases:"] + [f"  - {_q(a)}" for a in aliases]
        (out / "topics.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        lines = ["people:"]
        for p in self.people:
            lines += [f"- id: {p['id']}", f"  name: {_q(p['name'])}"]
            if p.get("name_vi"):
                lines.append(f"  name_vi: {_q(p['name_vi'])}")
            if p.get("aliases"):
                lines += ["  aliases:"] + [f"  - {_q(a)}" for a in p["aliases"]]
            lines.append(f"  country: {p['country']}")
            lines.append("  roles:")
            for r in p["roles"]:
                lines += [f"  - title: {_q(r['title'])}", f"    organisation: {_q(r['organisation'])}", f"    start: \"{r['start']}\""]
                if r.get("end"):
                    lines.append(f"    end: \"{r['end']}\"")
        (out / "people.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    def _chunks(self, out: Path, stem: str, section: str, records) -> None:
        part, buf, count = 1, [f"{section}:"], 0
        for lines in records:
            buf += lines
            count += 1
            if count == PER_FILE:
                (out / f"{stem}-{part:03d}.yaml").write_text("\n".join(buf) + "\n", encoding="utf-8")
                part, buf, count = part + 1, [f"{section}:"], 0
        if count or part == 1:
            (out / f"{stem}-{part:03d}.yaml").write_text("\n".join(buf) + ("\n" if count else " []\n"), encoding="utf-8")

    def _write_events(self, out: Path) -> list[str]:
        ids: list[str] = []

        def records():
            rnd = self.rnd
            for i in range(self.n):
                date, end = self._date()
                topic = rnd.choice(self.topic_ids)
                thing_topic = topic if topic in THINGS else None
                eid = f"ev-{date[:4]}-{i:07d}"
                ids.append(eid)
                lines = [f"- id: {eid}", f"  date: \"{date}\""]
                if end:
                    lines.append(f"  end: \"{end}\"")
                lines.append(f"  title: {_q(self._fill(rnd.choice(TITLE_TEMPLATES), thing_topic))}")
                if rnd.random() < 0.3:
                    lines.append(f"  title_vi: {_q(self._fill('Lãnh đạo Nga và Trung Quốc gặp nhau ở {city}'))}")
                summary = self._fill(rnd.choice(SUMMARY_TEMPLATES), thing_topic)
                if rnd.random() < 0.002:
                    summary += " " + self._fill(rnd.choice(NO_LIMITS))
                lines.append(f"  summary: {_q(summary)}")
                people = rnd.sample(self.person_ids, rnd.choice((0, 1, 1, 2, 2, 3)))
                if rnd.random() < 0.05 and "sergei-shoigu" not in people:
                    people.append("sergei-shoigu")
                if people:
                    lines += ["  people:"] + [f"  - {p}" for p in people]
                topics = [topic] + [t for t in rnd.sample(self.topic_ids, rnd.randint(0, 2)) if t != topic]
                lines += ["  topics:"] + [f"  - {t}" for t in topics]
                if rnd.random() < 0.7:
                    lines.append(f"  place: {_q(rnd.choice(CITIES))}")
                lines.append("  sources:")
                for _ in range(rnd.choice((1, 1, 1, 2))):
                    sid, excerpt = self._cite()
                    lines += [f"  - source: {sid}", f"    excerpt: {_q(excerpt)}"]
                if rnd.random() < 0.1:
                    lines.append(f"  note: {_q('Generated record; the date is ' + ('approximate.' if date.endswith('~') else 'as reported.'))}")
                yield lines

        self._chunks(out, "events", "events", records())
        return ids

    def _write_quotes(self, out: Path, event_ids: list[str]) -> int:
        count = self.n // 10

        def records():
            rnd = self.rnd
            for i in range(count):
                sid, text = self._cite()
                date, _ = self._date()
                lines = [f"- id: q-{i:07d}", f"  speaker: {rnd.choice(self.person_ids[:60])}", f"  date: \"{date}\"", f"  text: {_q(text)}"]
                if rnd.random() < 0.5:
                    lines.append(f"  translation: {_q('Translation: ' + text)}")
                lines += ["  topics:", f"  - {rnd.choice(self.topic_ids)}", f"  source: {sid}"]
                if event_ids and rnd.random() < 0.5:
                    lines.append(f"  event: {rnd.choice(event_ids)}")
                lines.append(f"  kind: {rnd.choice(('direct', 'reported'))}")
                yield lines

        self._chunks(out, "quotes", "quotes", records())
        return count

    def _write_facts(self, out: Path, event_ids: list[str]) -> int:
        count = self.n // 20

        def records():
            rnd = self.rnd
            for i in range(count):
                sid, excerpt = self._cite()
                lines = [f"- id: f-{i:07d}", f"  metric: {_q(rnd.choice(['Bilateral trade', 'Gas deliveries', 'Documents signed', 'Joint exercises held']))}"]
                lines.append(f"  value: {rnd.randint(1, 5000) / 10 if rnd.random() < 0.5 else rnd.randint(1, 300)}")
                lines += [f"  unit: {_q(rnd.choice(['billion USD', 'bcm', 'documents', 'exercises']))}", f"  period: \"{rnd.randint(1990, 2030)}\""]
                lines += ["  topics:", f"  - {rnd.choice(self.topic_ids)}", f"  source: {sid}", f"  excerpt: {_q(excerpt)}"]
                if event_ids and rnd.random() < 0.3:
                    lines.append(f"  event: {rnd.choice(event_ids)}")
                yield lines

        self._chunks(out, "facts", "facts", records())
        return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=100_000, help="number of events (default 100000)")
    parser.add_argument("out", nargs="?", default="big-data", help="output directory (default ./big-data)")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)
    if args.n < 0:
        parser.error("N must be at least 0")
    counts = Gen(args.n, args.seed).write(Path(args.out))
    print(f"wrote {args.out}: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
