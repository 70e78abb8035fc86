"""The seed dataset: a declarative encoding of everything the news article
``db/seed_sources/2021-12-06-ukraine-sovereignty-statement.txt`` (published Monday 6 December 2021)
states about the Russia-Ukraine tensions of early December 2021: the videoconference of the
leaders of Germany, the US, France, Italy and the UK and the French Presidency's statement on it,
the Biden-Putin virtual meeting scheduled for 7 December, Blinken's call with Zelensky, Zelensky's
visit to the Donbas front line, the Kremlin's remarks, and the contested troop figures with who
asserts and who denies them.

Every engagement, statement, claim and stance carries at least one citation: an exact excerpt of
the article text (curly quotes included). Facts the article does not state but that identify its
actors (offices, tenures, Wikidata QIDs, NATO accession dates, the founding of the Normandy format)
come from public knowledge; a QID is None wherever it could not be confirmed.

Date resolution. The article gives weekdays and day numbers but no year; it was published on
Monday 2021-12-06, so:

* "Monday (6)", "today" and "on Monday"       -> 2021-12-06, precision DAY
* "this Tuesday (7)"                          -> 2021-12-07, precision DAY
* "last Friday"                               -> 2021-12-03, precision DAY
* "last month"                                -> November 2021: start 2021-11-01, end 2021-11-30,
                                                 precision MONTH (stances: date 2021-11-01)
* "last week"                                 -> the week of Monday 2021-11-29: start 2021-11-29,
                                                 end 2021-12-05, precision WEEK
* "in the following days" after the 7 December meeting
                                              -> the seven days from 2021-12-08: start
                                                 2021-12-08, end 2021-12-14, precision WEEK
* "nearly eight years ago" (the ousting of the Ukrainian government)
                                              -> February 2014, precision MONTH
* Angela Merkel, not Olaf Scholz, was Chancellor of Germany on 2021-12-06 (Scholz was sworn in on
  2021-12-08), so "the leaders of Germany" at the videoconference is Merkel.
* Positions the article reports in the present tense ("Moscow denies", "The Kremlin denies",
  "claims") are recorded as stances dated 2021-12-06 (held as of publication), precision DAY.
* Words whose time of utterance the article does not give ("has already said", "has repeated",
  "says", "denies") are statements with date None; their precision is then "DAY", the model's
  default, and carries no meaning.
* The article gives no date for Putin's demand for security assurances ("is demanding"); the
  DEMAND engagement is dated 2021-12-01, when Putin publicly demanded, in these terms, agreements
  excluding NATO's further eastward expansion and weapons deployments near Russia (public record,
  not the article).

Quotations. A statement is a direct quote (``direct_quote`` True, ``text`` the exact quoted words)
only where the article quotes a whole utterance; where it quotes a fragment inside its own
paraphrase ("very deplorable", "a red line", "prepares comprehensive and meaningful actions") the
statement is a paraphrase that keeps the quoted words in curly quotes.
"""

from __future__ import annotations

from typing import Any

SOURCE_FILE = "2021-12-06-ukraine-sovereignty-statement.txt"  # lives at db/seed_sources/<name>
SOURCE: dict[str, Any] = {
    "key": "article-2021-12-06",
    # The stored text has no headline; this title is descriptive.
    "title": (
        "Leaders of Germany, the US, France, Italy and the UK back Ukraine’s sovereignty "
        "on the eve of the Biden–Putin meeting"
    ),
    "publisher": None,
    "url": None,
    "language": "en",
    "published_at": "2021-12-06T00:00:00+00:00",
    "licence": None,
}

# Actor references are strings: "leader:<key>", "country:<ISO alpha-2>", "group:<key>".
# Citations: "cite" is a list of excerpts, each an exact substring of the article text. If an
# excerpt occurs more than once in the text, give it as a tuple (excerpt, occurrence_index) with the
# occurrence index starting at 0.

# The countries the article names (rows come from pycountry; listed here for reference).
COUNTRIES: list[str] = ["DE", "US", "FR", "IT", "GB", "RU", "UA"]

# --------------------------------------------------------------------------------------------
# Leaders
# --------------------------------------------------------------------------------------------

LEADERS: list[dict[str, Any]] = [
    {
        "key": "biden",
        "name": "Joe Biden",
        "aliases": [
            "Biden",
            "Joseph Biden",
            "Joseph R. Biden",
            "Joseph R. Biden Jr.",
            "Joseph Robinette Biden Jr.",
            "Джо Байден",
        ],
        "country": "US",
        "qid": "Q6279",
    },
    {
        "key": "putin",
        "name": "Vladimir Putin",
        "aliases": [
            "Putin",
            "Vladimir Vladimirovich Putin",
            "Wladimir Putin",
            "Vladímir Putin",
            "Владимир Путин",
            "Владимир Владимирович Путин",
            "Путин",
        ],
        "country": "RU",
        "qid": "Q7747",
    },
    {
        "key": "macron",
        "name": "Emmanuel Macron",
        "aliases": ["Emmanuel Jean-Michel Frédéric Macron", "Эмманюэль Макрон"],
        "country": "FR",
        "qid": "Q3052772",
    },
    {
        "key": "merkel",
        "name": "Angela Merkel",
        "aliases": ["Angela Dorothea Merkel", "Ангела Меркель"],
        "country": "DE",
        "qid": "Q567",
    },
    {
        # Not named in the article: Chancellor from 2021-12-08, two days after it. Recorded so the
        # office's holders around the article's date are unambiguous.
        "key": "scholz",
        "name": "Olaf Scholz",
        "aliases": ["Олаф Шольц"],
        "country": "DE",
        "qid": "Q61053",
    },
    {
        "key": "draghi",
        "name": "Mario Draghi",
        "aliases": ["Марио Драги"],
        "country": "IT",
        "qid": None,
    },
    {
        "key": "johnson",
        "name": "Boris Johnson",
        "aliases": ["Alexander Boris de Pfeffel Johnson", "Борис Джонсон"],
        "country": "GB",
        "qid": "Q180589",
    },
    {
        "key": "zelensky",
        "name": "Volodymyr Zelenskyy",
        "aliases": [
            "Volodimir Zelenski",
            "Zelenski",
            "Volodymyr Zelenskyy",
            "Volodymyr Zelensky",
            "Volodymyr Zelenskiy",
            "Vladimir Zelensky",
            "Volodymyr Oleksandrovych Zelenskyy",
            "Зеленський",
            "Володимир Зеленський",
            "Зеленский",
            "Владимир Зеленский",
        ],
        "country": "UA",
        "qid": None,
    },
    {
        "key": "blinken",
        "name": "Antony Blinken",
        "aliases": ["Tony Blinken", "Antony J. Blinken", "Antony John Blinken", "Энтони Блинкен"],
        "country": "US",
        "qid": None,
    },
    {
        "key": "lavrov",
        "name": "Sergey Lavrov",
        "aliases": [
            "Serguei Lavrov",
            "Sergei Lavrov",
            "Sergey Viktorovich Lavrov",
            "Сергей Лавров",
            "Сергей Викторович Лавров",
        ],
        "country": "RU",
        "qid": None,
    },
    {
        "key": "peskov",
        "name": "Dmitry Peskov",
        "aliases": [
            "Dmitri Peskov",
            "Dmitry Peskov",
            "Dmitry Sergeyevich Peskov",
            "Дмитрий Песков",
            "Дмитрий Сергеевич Песков",
        ],
        "country": "RU",
        "qid": None,
    },
]

# exactly one of country / group; cite optional for positions.
POSITIONS: list[dict[str, Any]] = [
    {
        "key": "biden-president",
        "leader": "biden",
        "title": "President of the United States",
        "kind": "HEAD_OF_STATE",
        "country": "US",
        "group": None,
        "start": "2021-01-20",
        "end": "2025-01-20",
        "cite": ["the meeting between the two presidents"],
    },
    {
        "key": "putin-president",
        "leader": "putin",
        "title": "President of Russia",
        "kind": "HEAD_OF_STATE",
        "country": "RU",
        "group": None,
        "start": "2012-05-07",
        "end": None,
        "cite": ["the meeting between the two presidents", "President Putin’s initiatives"],
    },
    {
        "key": "macron-president",
        "leader": "macron",
        "title": "President of France",
        "kind": "HEAD_OF_STATE",
        "country": "FR",
        "group": None,
        "start": "2017-05-14",
        "end": None,
        "cite": [],
    },
    {
        "key": "merkel-chancellor",
        "leader": "merkel",
        "title": "Chancellor of Germany",
        "kind": "HEAD_OF_GOVERNMENT",
        "country": "DE",
        "group": None,
        "start": "2005-11-22",
        "end": "2021-12-08",
        "cite": [],
    },
    {
        "key": "scholz-chancellor",
        "leader": "scholz",
        "title": "Chancellor of Germany",
        "kind": "HEAD_OF_GOVERNMENT",
        "country": "DE",
        "group": None,
        "start": "2021-12-08",
        "end": "2025-05-06",
        "cite": [],
    },
    {
        "key": "draghi-prime-minister",
        "leader": "draghi",
        "title": "Prime Minister of Italy",
        "kind": "HEAD_OF_GOVERNMENT",
        "country": "IT",
        "group": None,
        "start": "2021-02-13",
        "end": "2022-10-22",
        "cite": [],
    },
    {
        "key": "johnson-prime-minister",
        "leader": "johnson",
        "title": "Prime Minister of the United Kingdom",
        "kind": "HEAD_OF_GOVERNMENT",
        "country": "GB",
        "group": None,
        "start": "2019-07-24",
        "end": "2022-09-06",
        "cite": [],
    },
    {
        "key": "zelensky-president",
        "leader": "zelensky",
        "title": "President of Ukraine",
        "kind": "HEAD_OF_STATE",
        "country": "UA",
        "group": None,
        "start": "2019-05-20",
        "end": None,
        "cite": ["Ukrainian President Volodimir Zelenski"],
    },
    {
        "key": "blinken-secretary-of-state",
        "leader": "blinken",
        "title": "United States Secretary of State",
        "kind": "FOREIGN_MINISTER",
        "country": "US",
        "group": None,
        "start": "2021-01-26",
        "end": "2025-01-20",
        "cite": ["US Secretary of State Antony Blinken"],
    },
    {
        "key": "lavrov-foreign-minister",
        "leader": "lavrov",
        "title": "Minister of Foreign Affairs of Russia",
        "kind": "FOREIGN_MINISTER",
        "country": "RU",
        "group": None,
        "start": "2004-03-09",
        "end": None,
        "cite": ["Serguei Lavrov, Russia’s foreign minister"],
    },
    {
        "key": "peskov-press-secretary",
        "leader": "peskov",
        "title": "Press Secretary of the President of Russia",
        "kind": "SPOKESPERSON",
        "country": "RU",
        "group": None,
        "start": "2012-05-22",
        "end": None,
        "cite": ["Russian government spokesman Dmitri Peskov"],
    },
]

# --------------------------------------------------------------------------------------------
# Groups and memberships
# --------------------------------------------------------------------------------------------

GROUPS: list[dict[str, Any]] = [
    {
        "key": "normandy",
        "name": "Normandy Format",
        "aliases": ["Normandy Quartet", "Normandy Format", "Normandy Four", "Normandy format"],
        "kind": "DIPLOMATIC_FORMAT",
        "description": (
            "Diplomatic format of France, Germany, Russia and Ukraine, formed on 6 June 2014 at "
            "the D-Day commemorations in Normandy, to negotiate a settlement of the war in "
            "Donbas in eastern Ukraine."
        ),
        "qid": None,
    },
    {
        "key": "nato",
        "name": "North Atlantic Treaty Organization",
        "aliases": ["NATO", "OTAN", "North Atlantic Alliance", "Atlantic Alliance", "НАТО"],
        "kind": "ALLIANCE",
        "description": (
            "Intergovernmental military alliance founded by the North Atlantic Treaty (1949); "
            "30 member states as of December 2021. The article calls it “a military coalition "
            "of Western powers”."
        ),
        "qid": "Q7184",
    },
    {
        "key": "donbas-separatists",
        "name": "Pro-Russian separatists in Donbas",
        "aliases": [
            "pro-Russian separatists",
            "Donbas separatists",
            "Donbass separatists",
            "Russian-backed separatists",
        ],
        "kind": "ARMED_GROUP",
        "description": (
            "Russian-backed armed separatist forces in the Donbas region of eastern Ukraine "
            "(the self-proclaimed Donetsk and Luhansk “people’s republics”), fighting Ukrainian "
            "government forces since 2014."
        ),
        "qid": None,
    },
]

_NORMANDY_FR_DE = "a diplomatic group that also includes France and Germany"
_NORMANDY_RU_UA = (
    "the need for Russia to reactivate negotiations with Ukraine within the framework of the "
    "“Normandy Quartet”"
)

# NATO members as of December 2021, with their accession dates (public record; the article names
# none of them as members). Germany's date is the Federal Republic's accession.
_NATO_ACCESSIONS: dict[str, str] = {
    "BE": "1949-08-24",
    "CA": "1949-08-24",
    "DK": "1949-08-24",
    "FR": "1949-08-24",
    "IS": "1949-08-24",
    "IT": "1949-08-24",
    "LU": "1949-08-24",
    "NL": "1949-08-24",
    "NO": "1949-08-24",
    "PT": "1949-08-24",
    "GB": "1949-08-24",
    "US": "1949-08-24",
    "GR": "1952-02-18",
    "TR": "1952-02-18",
    "DE": "1955-05-06",
    "ES": "1982-05-30",
    "CZ": "1999-03-12",
    "HU": "1999-03-12",
    "PL": "1999-03-12",
    "BG": "2004-03-29",
    "EE": "2004-03-29",
    "LV": "2004-03-29",
    "LT": "2004-03-29",
    "RO": "2004-03-29",
    "SK": "2004-03-29",
    "SI": "2004-03-29",
    "AL": "2009-04-01",
    "HR": "2009-04-01",
    "ME": "2017-06-05",
    "MK": "2020-03-27",
}

MEMBERSHIPS: list[dict[str, Any]] = [
    {
        "key": "normandy-fr",
        "group": "normandy",
        "member": "country:FR",
        "role": "MEMBER",
        "start": "2014-06-06",
        "end": None,
        "cite": [_NORMANDY_FR_DE],
    },
    {
        "key": "normandy-de",
        "group": "normandy",
        "member": "country:DE",
        "role": "MEMBER",
        "start": "2014-06-06",
        "end": None,
        "cite": [_NORMANDY_FR_DE],
    },
    {
        "key": "normandy-ru",
        "group": "normandy",
        "member": "country:RU",
        "role": "MEMBER",
        "start": "2014-06-06",
        "end": None,
        "cite": [_NORMANDY_RU_UA],
    },
    {
        "key": "normandy-ua",
        "group": "normandy",
        "member": "country:UA",
        "role": "MEMBER",
        "start": "2014-06-06",
        "end": None,
        "cite": [_NORMANDY_RU_UA],
    },
    *[
        {
            "key": f"nato-{code.lower()}",
            "group": "nato",
            "member": f"country:{code}",
            "role": "MEMBER",
            "start": start,
            "end": None,
            "cite": [],
        }
        for code, start in _NATO_ACCESSIONS.items()
    ],
    {
        # Partnership for Peace since 1994-02-08; not a member.
        "key": "nato-ua-partner",
        "group": "nato",
        "member": "country:UA",
        "role": "PARTNER",
        "start": "1994-02-08",
        "end": None,
        "cite": ["NATO’s alliance with Ukraine"],
    },
]

# --------------------------------------------------------------------------------------------
# Engagements
# --------------------------------------------------------------------------------------------

# kinds: MEETING CALL VISIT STATEMENT PRESS_BRIEFING NEGOTIATION MEDIATION_OFFER WARNING THREAT
#        DEMAND SANCTION AID MILITARY_DEPLOYMENT MILITARY_EXERCISE ATTACK PROTEST OTHER
# modes: IN_PERSON VIRTUAL PHONE WRITTEN or None; statuses HELD SCHEDULED CANCELLED;
# precision DAY WEEK MONTH YEAR. For WEEK precision, start = Monday of that week, end = Sunday
# (exception: biden-zelensky-call, "in the following days" after 2021-12-07, is the seven days
# from 2021-12-08; see the module docstring); MONTH: start = 1st, end = last day.
# participant roles: HOST PARTICIPANT INITIATOR RECIPIENT MEDIATOR SUBJECT
ENGAGEMENTS: list[dict[str, Any]] = [
    {
        "key": "g5-videoconference",
        "kind": "MEETING",
        "mode": "VIRTUAL",
        "status": "HELD",
        "title": "Videoconference of the leaders of Germany, the US, France, Italy and the UK",
        "summary": (
            "Biden, Macron, Merkel, Draghi and Johnson held a videoconference on the eve of "
            "Biden's virtual meeting with Putin, one of the meetings with key allies Biden "
            "planned to coordinate the message and show strong transnational solidarity. They "
            "expressed their determination that Ukraine's sovereignty be respected, their "
            "commitment to peace and security in Europe, and the need for Russia to resume "
            "negotiations with Ukraine in the Normandy format."
        ),
        "start": "2021-12-06",
        "end": None,
        "precision": "DAY",
        "location_country": None,
        "location_place": None,
        "participants": [
            ("leader:biden", "PARTICIPANT"),
            ("leader:macron", "PARTICIPANT"),
            ("leader:merkel", "PARTICIPANT"),
            ("leader:draghi", "PARTICIPANT"),
            ("leader:johnson", "PARTICIPANT"),
            ("country:UA", "SUBJECT"),
            ("country:RU", "SUBJECT"),
        ],
        "cite": [
            "the leaders of Germany, USA, France, Italy and the United Kingdom",
            (
                "a videoconference between the five leaders on the eve of the virtual bilateral "
                "meeting"
            ),
            (
                "The meeting between the US and Europeans is part of meetings with key allies "
                "planned by Biden to coordinate the message and strong transnational solidarity"
            ),
        ],
    },
    {
        "key": "elysee-statement",
        "kind": "STATEMENT",
        "mode": "WRITTEN",
        "status": "HELD",
        "title": "French Presidency statement on the five leaders' videoconference",
        "summary": (
            "The Élysée Palace released a statement after the videoconference: the five leaders "
            "want Ukraine's sovereignty respected, are committed to acting to maintain peace and "
            "security in Europe, and see the need for Russia to reactivate negotiations with "
            "Ukraine in the Normandy format."
        ),
        "start": "2021-12-06",
        "end": None,
        "precision": "DAY",
        "location_country": "FR",
        "location_place": "Élysée Palace, Paris",
        "participants": [
            ("country:FR", "INITIATOR"),
            ("country:UA", "SUBJECT"),
            ("country:RU", "SUBJECT"),
            ("group:normandy", "SUBJECT"),
        ],
        "cite": [
            "said the French Presidency in a statement on Monday (6)",
            (
                "The statement from the Élysée Palace was released after a videoconference "
                "between the five leaders"
            ),
        ],
    },
    {
        "key": "biden-putin-meeting",
        "kind": "MEETING",
        "mode": "VIRTUAL",
        "status": "SCHEDULED",
        "title": "Biden–Putin virtual bilateral meeting",
        "summary": (
            "Virtual bilateral meeting between Joe Biden and Vladimir Putin scheduled for "
            "Tuesday 7 December 2021 (status as of the article). Biden prepared it with meetings "
            "with key allies, among them the videoconference with the leaders of Germany, "
            "France, Italy and the UK the day before. According to Peskov the agenda covered "
            "the tension around Ukraine, NATO's advance towards Russia's borders and Putin's "
            "security initiatives; a US official said Biden would warn Putin of serious "
            "economic consequences if Russia invaded Ukraine."
        ),
        "start": "2021-12-07",
        "end": None,
        "precision": "DAY",
        "location_country": None,
        "location_place": None,
        "participants": [
            ("leader:biden", "PARTICIPANT"),
            ("leader:putin", "PARTICIPANT"),
            ("country:UA", "SUBJECT"),
            ("group:nato", "SUBJECT"),
        ],
        "cite": [
            (
                "the virtual bilateral meeting scheduled for this Tuesday (7) between the "
                "American Joe Biden and the Russian Vladimir Putin"
            ),
            "meetings with key allies planned by Biden",
        ],
    },
    {
        "key": "blinken-zelensky-call",
        "kind": "CALL",
        "mode": "PHONE",
        "status": "HELD",
        "title": "Blinken–Zelensky telephone call",
        "summary": (
            "US Secretary of State Antony Blinken spoke by telephone with Ukrainian President "
            "Volodymyr Zelenskyy, as part of Biden's coordination with allies; Zelenskyy then "
            "wrote that they agreed to continue their joint and combined actions."
        ),
        "start": "2021-12-06",
        "end": None,
        "precision": "DAY",
        "location_country": None,
        "location_place": None,
        "participants": [
            ("leader:blinken", "PARTICIPANT"),
            ("leader:zelensky", "PARTICIPANT"),
        ],
        "cite": [
            (
                "US Secretary of State Antony Blinken also spoke today by telephone with "
                "Ukrainian President Volodimir Zelenski"
            ),
        ],
    },
    {
        "key": "zelensky-donbas-visit",
        "kind": "VISIT",
        "mode": "IN_PERSON",
        "status": "HELD",
        "title": "Zelensky visits front-line trenches in Donbas",
        "summary": (
            "Wearing a helmet and a camouflaged bulletproof vest, Zelenskyy visited the trenches "
            "on the front lines of the conflict against pro-Russian separatists in Donbas, "
            "eastern Ukraine."
        ),
        "start": "2021-12-06",
        "end": None,
        "precision": "DAY",
        "location_country": "UA",
        "location_place": "Front-line trenches, Donbas, eastern Ukraine",
        "participants": [("leader:zelensky", "PARTICIPANT")],
        "cite": [
            "wearing a helmet and a camouflaged bulletproof vest",
            (
                "today visited the trenches on the front lines of the conflict against "
                "pro-Russian separatists in the region. Donbass in eastern Ukraine"
            ),
        ],
    },
    {
        "key": "biden-zelensky-call",
        "kind": "CALL",
        # The article says only that Biden "will speak with" Zelensky; the mode is not stated.
        "mode": None,
        "status": "SCHEDULED",
        "title": "Biden–Zelensky conversation after the Putin meeting",
        "summary": (
            "Biden is to speak with Zelenskyy in the days following his 7 December meeting "
            "with Putin."
        ),
        "start": "2021-12-08",
        "end": "2021-12-14",
        "precision": "WEEK",
        "location_country": None,
        "location_place": None,
        "participants": [
            ("leader:biden", "PARTICIPANT"),
            ("leader:zelensky", "PARTICIPANT"),
        ],
        "cite": [
            "Biden, in turn, will speak with Zelenski in the following days following the meeting",
        ],
    },
    {
        "key": "peskov-remarks",
        "kind": "STATEMENT",
        "mode": None,
        "status": "HELD",
        "title": "Kremlin spokesman Peskov on the agenda of the Biden–Putin meeting",
        "summary": (
            "Speaking about the agenda of the meeting between the two presidents, Dmitry "
            "Peskov called the state of Moscow–Washington relations “very deplorable” and named "
            "three topics: the tension around Ukraine, NATO's advance towards Russia's borders "
            "and Putin's initiatives to ensure security."
        ),
        "start": "2021-12-06",
        "end": None,
        "precision": "DAY",
        "location_country": None,
        "location_place": None,
        "participants": [
            ("leader:peskov", "INITIATOR"),
            ("country:US", "SUBJECT"),
            ("country:UA", "SUBJECT"),
            ("group:nato", "SUBJECT"),
        ],
        "cite": [
            "Russia also spoke out on Monday amid warnings from Western powers",
            "speaking about the agenda for the meeting between the two presidents",
        ],
    },
    {
        "key": "putin-security-demand",
        "kind": "DEMAND",
        "mode": None,
        "status": "HELD",
        "title": "Putin demands security assurances on NATO expansion",
        "summary": (
            "Putin demands security assurances that NATO will not expand across the region and "
            "will not deploy weapons near Russian territory; Washington answers that no country "
            "can veto NATO's partnership with Ukraine. The article presents the demand as "
            "ongoing and does not date it; the start date is when Putin publicly made it in "
            "these terms (1 December 2021)."
        ),
        "start": "2021-12-01",
        "end": None,
        "precision": "DAY",
        "location_country": None,
        "location_place": None,
        "participants": [
            ("leader:putin", "INITIATOR"),
            ("country:US", "RECIPIENT"),
            ("group:nato", "SUBJECT"),
        ],
        "cite": [
            (
                "Putin is demanding security assurances that NATO will not expand across the "
                "region and will not deploy weapons near Russian territory"
            ),
        ],
    },
    {
        "key": "us-official-briefing",
        "kind": "PRESS_BRIEFING",
        "mode": None,
        "status": "HELD",
        "title": "US official briefs reporters ahead of the Biden–Putin meeting",
        "summary": (
            "A US government official told reporters that Biden must warn Putin of the serious "
            "economic consequences Russia will face if it invades Ukraine, and must say the "
            "country does not want to have to use force in the region."
        ),
        "start": "2021-12-06",
        "end": None,
        "precision": "DAY",
        "location_country": None,
        "location_place": None,
        "participants": [
            ("country:US", "HOST"),
            ("country:RU", "SUBJECT"),
            ("country:UA", "SUBJECT"),
        ],
        "cite": ["A US government official told reporters on Monday"],
    },
    {
        "key": "us-mediation-offer",
        "kind": "MEDIATION_OFFER",
        "mode": None,
        "status": "HELD",
        "title": "US offers to mediate negotiations between Moscow and Kyiv",
        "summary": (
            "The United States offered to mediate negotiations between Moscow and Kyiv to end "
            "the conflicts that followed the ousting of the Ukrainian government in 2014, and to "
            "negotiate an end to Russian support for separatist groups. Lavrov said Moscow had, "
            "at first, no objections."
        ),
        "start": "2021-11-29",
        "end": "2021-12-05",
        "precision": "WEEK",
        "location_country": None,
        "location_place": None,
        "participants": [
            ("country:US", "MEDIATOR"),
            ("country:RU", "RECIPIENT"),
            ("country:UA", "RECIPIENT"),
            ("group:donbas-separatists", "SUBJECT"),
        ],
        "cite": [
            "The United States last week offered to mediate negotiations between Moscow and Kiev",
            "as well as negotiate an end to Russian support for separatist groups",
        ],
    },
    {
        "key": "us-troop-warning",
        "kind": "WARNING",
        "mode": None,
        "status": "HELD",
        "title": "US officials warn of a Russian troop build-up near Ukraine",
        "summary": (
            "US officials warned of an unusual movement of 94,000 Russian troops near the "
            "Ukrainian border. Moscow denies it and calls the warnings alarmism."
        ),
        "start": "2021-11-01",
        "end": "2021-11-30",
        "precision": "MONTH",
        "location_country": None,
        "location_place": None,
        "participants": [
            ("country:US", "INITIATOR"),
            ("country:RU", "SUBJECT"),
            ("country:UA", "SUBJECT"),
        ],
        "cite": [
            (
                "US officials warned last month of an unusual Russian troop movement of 94,000 "
                "troops near the Ukrainian border"
            ),
        ],
    },
    {
        "key": "ukraine-government-ousting-2014",
        "kind": "OTHER",
        "mode": None,
        "status": "HELD",
        "title": "Ousting of the Ukrainian government (February 2014)",
        "summary": (
            "The ousting of the Ukrainian government nearly eight years before the article "
            "(February 2014), after which the conflicts in eastern Ukraine began."
        ),
        "start": "2014-02-01",
        "end": "2014-02-28",
        "precision": "MONTH",
        "location_country": "UA",
        "location_place": None,
        "participants": [("country:UA", "SUBJECT")],
        "cite": ["the ousting of the Ukrainian government nearly eight years ago"],
    },
]

# --------------------------------------------------------------------------------------------
# Statements
# --------------------------------------------------------------------------------------------

# speaker may be None when only speaker_label is known; engagement is an engagement key or None.
# For direct quotes, "text" is the exact quoted words.
STATEMENTS: list[dict[str, Any]] = [
    {
        "key": "elysee-ukraine-sovereignty",
        "text": (
            "The leaders of Germany, the USA, France, Italy and the United Kingdom expressed "
            "their determination for the sovereignty of Ukraine to be respected."
        ),
        "direct_quote": False,
        "date": "2021-12-06",
        "precision": "DAY",
        "speaker": "country:FR",
        "speaker_label": "the French Presidency (Élysée Palace)",
        "engagement": "elysee-statement",
        "cite": [
            (
                "have expressed their determination for the sovereignty of Ukraine to be "
                "respected, said the French Presidency in a statement on Monday (6)"
            ),
        ],
    },
    {
        "key": "elysee-peace-security",
        "text": (
            "The five countries underscored their commitment to acting to maintain peace and "
            "security in Europe."
        ),
        "direct_quote": False,
        "date": "2021-12-06",
        "precision": "DAY",
        "speaker": "country:FR",
        "speaker_label": "the French Presidency (Élysée Palace)",
        "engagement": "elysee-statement",
        "cite": [
            (
                "The countries also underscored their commitment to acting to maintain peace "
                "and security in Europe"
            ),
        ],
    },
    {
        "key": "elysee-normandy-negotiations",
        "text": (
            "Russia needs to reactivate negotiations with Ukraine within the framework of the "
            "Normandy format (the “Normandy Quartet”)."
        ),
        "direct_quote": False,
        "date": "2021-12-06",
        "precision": "DAY",
        "speaker": "country:FR",
        "speaker_label": "the French Presidency (Élysée Palace)",
        "engagement": "elysee-statement",
        "cite": [_NORMANDY_RU_UA],
    },
    {
        "key": "zelensky-joint-actions",
        "text": "We agree to continue with our joint and combined actions",
        "direct_quote": True,
        "date": "2021-12-06",
        "precision": "DAY",
        "speaker": "leader:zelensky",
        "speaker_label": None,
        "engagement": "blinken-zelensky-call",
        "cite": ["“We agree to continue with our joint and combined actions,” wrote the Ukrainian"],
    },
    {
        "key": "peskov-relations-deplorable",
        "text": "The state of relations between Moscow and Washington is “very deplorable”.",
        "direct_quote": False,
        "date": "2021-12-06",
        "precision": "DAY",
        "speaker": "leader:peskov",
        "speaker_label": None,
        "engagement": "peskov-remarks",
        "cite": [
            (
                "The state of relations between Moscow and Washington was called “very "
                "deplorable” by Russian government spokesman Dmitri Peskov"
            ),
        ],
    },
    {
        "key": "peskov-three-topics",
        "text": (
            "The tension around Ukraine, the topic of NATO’s advance on our borders and "
            "President Putin’s initiatives to ensure security"
        ),
        "direct_quote": True,
        "date": "2021-12-06",
        "precision": "DAY",
        "speaker": "leader:peskov",
        "speaker_label": None,
        "engagement": "peskov-remarks",
        "cite": [
            (
                "He specifically cited three topics of conversation: “The tension around "
                "Ukraine, the topic of NATO’s advance on our borders and President Putin’s "
                "initiatives to ensure security,” he said."
            ),
        ],
    },
    {
        "key": "kremlin-denies-invasion",
        "text": (
            "Russia is not planning an imminent invasion; its troops are deployed throughout "
            "its own territory for purely defensive reasons."
        ),
        "direct_quote": False,
        "date": None,
        "precision": "DAY",
        "speaker": "country:RU",
        "speaker_label": "the Kremlin",
        "engagement": None,
        "cite": [
            (
                "The Kremlin denies an imminent invasion and claims troops are deployed "
                "throughout its own territory for purely defensive reasons"
            ),
        ],
    },
    {
        "key": "moscow-red-line",
        "text": (
            "The increased presence of NATO around former Soviet republics, and the possibility "
            "of NATO deploying missiles in Ukraine aimed at Russia, is “a red line” that the "
            "United States will not be able to cross."
        ),
        "direct_quote": False,
        "date": None,
        "precision": "DAY",
        "speaker": "country:RU",
        "speaker_label": "Moscow",
        "engagement": None,
        "cite": [
            (
                "For Moscow, the increased presence of NATO, a military coalition of Western "
                "powers, around former Soviet republics, and the possibility of the group "
                "deploying missiles in Ukraine aimed at Russia, is “a red line” that the United "
                "States will not be able to cross."
            ),
        ],
    },
    {
        "key": "moscow-alarmism",
        "text": (
            "Moscow denies the US warnings of Russian troop concentrations near Ukraine and of "
            "a possible January offensive, and calls them alarmism."
        ),
        "direct_quote": False,
        "date": None,
        "precision": "DAY",
        "speaker": "country:RU",
        "speaker_label": "Moscow",
        "engagement": None,
        "cite": ["which Moscow denies and calls alarmism"],
    },
    {
        "key": "us-warning-94000-troops",
        "text": (
            "An unusual Russian troop movement of 94,000 troops is under way near the "
            "Ukrainian border."
        ),
        "direct_quote": False,
        "date": "2021-11-01",
        "precision": "MONTH",
        "speaker": "country:US",
        "speaker_label": "US officials",
        "engagement": "us-troop-warning",
        "cite": [
            (
                "US officials warned last month of an unusual Russian troop movement of 94,000 "
                "troops near the Ukrainian border"
            ),
        ],
    },
    {
        "key": "us-concern-january-offensive",
        "text": (
            "US officials are concerned about a possible Russian offensive in January that "
            "would involve 175,000 troops."
        ),
        "direct_quote": False,
        "date": None,
        "precision": "DAY",
        "speaker": "country:US",
        "speaker_label": "US officials",
        "engagement": None,
        "cite": [
            (
                "expressed concern over a possible Russian offensive in January that would "
                "involve 175,000 troops"
            ),
        ],
    },
    {
        "key": "us-comprehensive-actions",
        "text": (
            "The US government “prepares comprehensive and meaningful actions” to help Kyiv in "
            "the event of an invasion."
        ),
        "direct_quote": False,
        "date": None,
        "precision": "DAY",
        "speaker": "country:US",
        "speaker_label": "the Biden government",
        "engagement": None,
        "cite": [
            (
                "The Biden government has already said it “prepares comprehensive and "
                "meaningful actions” to help Kiev in the event of an invasion."
            ),
        ],
    },
    {
        "key": "putin-security-assurances",
        "text": (
            "Russia demands security assurances that NATO will not expand across the region "
            "and will not deploy weapons near Russian territory."
        ),
        "direct_quote": False,
        "date": "2021-12-01",
        "precision": "DAY",
        "speaker": "leader:putin",
        "speaker_label": None,
        "engagement": "putin-security-demand",
        "cite": [
            (
                "Putin is demanding security assurances that NATO will not expand across the "
                "region and will not deploy weapons near Russian territory"
            ),
        ],
    },
    {
        "key": "washington-no-veto",
        "text": "No country can veto NATO’s alliance with Ukraine.",
        "direct_quote": False,
        "date": None,
        "precision": "DAY",
        "speaker": "country:US",
        "speaker_label": "Washington",
        "engagement": None,
        "cite": [
            "Washington has repeated that no country can veto NATO’s alliance with Ukraine",
        ],
    },
    {
        "key": "biden-no-red-lines",
        "text": "I don’t take red lines from anyone",
        "direct_quote": True,
        "date": "2021-12-03",
        "precision": "DAY",
        "speaker": "leader:biden",
        "speaker_label": None,
        "engagement": None,
        "cite": ["“I don’t take red lines from anyone,” Biden said last Friday."],
    },
    {
        "key": "us-official-economic-consequences",
        "text": (
            "Biden must alert Putin of the serious economic consequences Russia will face if "
            "it invades Ukraine, and must say the country does not want to have to use force "
            "in the region."
        ),
        "direct_quote": False,
        "date": "2021-12-06",
        "precision": "DAY",
        "speaker": None,
        "speaker_label": "a US government official",
        "engagement": "us-official-briefing",
        "cite": [
            (
                "A US government official told reporters on Monday that Biden must alert Putin "
                "of the serious economic consequences the country will face if it invades "
                "Ukraine, and must say the country does not want to have to use force in the "
                "region."
            ),
        ],
    },
    {
        "key": "lavrov-no-objection-mediation",
        "text": (
            "Moscow has, at first, no objections to the US offer to mediate negotiations "
            "between Moscow and Kyiv."
        ),
        "direct_quote": False,
        "date": None,
        "precision": "DAY",
        "speaker": "leader:lavrov",
        "speaker_label": None,
        "engagement": "us-mediation-offer",
        "cite": [
            (
                "Serguei Lavrov, Russia’s foreign minister, says Moscow has no objections to this "
                "at first."
            ),
        ],
    },
]

# --------------------------------------------------------------------------------------------
# Claims and stances
# --------------------------------------------------------------------------------------------

CLAIMS: list[dict[str, Any]] = [
    {
        "key": "troops-94000",
        "text": "Russia has moved about 94,000 troops near the Ukrainian border.",
        "quantity": 94000,
        "unit": "troops",
        "subject": "country:RU",
        "engagement": "us-troop-warning",
        "cite": ["an unusual Russian troop movement of 94,000 troops near the Ukrainian border"],
    },
    {
        "key": "troops-175000",
        "text": (
            "Russia may launch an offensive against Ukraine in January 2022 involving "
            "175,000 troops."
        ),
        "quantity": 175000,
        "unit": "troops",
        "subject": "country:RU",
        "engagement": None,
        "cite": ["a possible Russian offensive in January that would involve 175,000 troops"],
    },
    {
        "key": "imminent-invasion",
        "text": "Russia is preparing an imminent invasion of Ukraine.",
        "quantity": None,
        "unit": None,
        "subject": "country:RU",
        "engagement": None,
        "cite": ["The Kremlin denies an imminent invasion"],
    },
    {
        "key": "troops-defensive",
        "text": (
            "Russia's troops are deployed throughout its own territory for purely defensive "
            "reasons."
        ),
        "quantity": None,
        "unit": None,
        "subject": "country:RU",
        "engagement": None,
        "cite": [
            "claims troops are deployed throughout its own territory for purely defensive reasons",
        ],
    },
    {
        "key": "russian-support-separatists",
        "text": "Russia supports the separatist groups in eastern Ukraine.",
        "quantity": None,
        "unit": None,
        "subject": "country:RU",
        "engagement": "us-mediation-offer",
        "cite": ["negotiate an end to Russian support for separatist groups"],
    },
]

# positions: ASSERTS DENIES QUESTIONS CONFIRMS
STANCES: list[dict[str, Any]] = [
    {
        "key": "troops-94000-us-asserts",
        "claim": "troops-94000",
        "actor": "country:US",
        "position": "ASSERTS",
        "date": "2021-11-01",
        "precision": "MONTH",
        "statement": "us-warning-94000-troops",
        "cite": [
            (
                "US officials warned last month of an unusual Russian troop movement of 94,000 "
                "troops near the Ukrainian border"
            ),
        ],
    },
    {
        "key": "troops-94000-ru-denies",
        "claim": "troops-94000",
        "actor": "country:RU",
        "position": "DENIES",
        "date": "2021-12-06",
        "precision": "DAY",
        "statement": "moscow-alarmism",
        "cite": ["which Moscow denies and calls alarmism"],
    },
    {
        "key": "troops-175000-us-asserts",
        "claim": "troops-175000",
        "actor": "country:US",
        "position": "ASSERTS",
        "date": None,
        "precision": "DAY",
        "statement": "us-concern-january-offensive",
        "cite": [
            (
                "expressed concern over a possible Russian offensive in January that would "
                "involve 175,000 troops"
            ),
        ],
    },
    {
        "key": "troops-175000-ru-denies",
        "claim": "troops-175000",
        "actor": "country:RU",
        "position": "DENIES",
        "date": "2021-12-06",
        "precision": "DAY",
        "statement": "moscow-alarmism",
        "cite": ["which Moscow denies and calls alarmism"],
    },
    {
        "key": "imminent-invasion-ru-denies",
        "claim": "imminent-invasion",
        "actor": "country:RU",
        "position": "DENIES",
        "date": "2021-12-06",
        "precision": "DAY",
        "statement": "kremlin-denies-invasion",
        "cite": ["The Kremlin denies an imminent invasion"],
    },
    {
        "key": "troops-defensive-ru-asserts",
        "claim": "troops-defensive",
        "actor": "country:RU",
        "position": "ASSERTS",
        "date": "2021-12-06",
        "precision": "DAY",
        "statement": "kremlin-denies-invasion",
        "cite": [
            "claims troops are deployed throughout its own territory for purely defensive reasons",
        ],
    },
    {
        "key": "russian-support-separatists-us-asserts",
        "claim": "russian-support-separatists",
        "actor": "country:US",
        "position": "ASSERTS",
        "date": "2021-11-29",
        "precision": "WEEK",
        "statement": None,
        "cite": [
            ("The United States last week offered to mediate negotiations between Moscow and Kiev"),
            "negotiate an end to Russian support for separatist groups",
        ],
    },
]
