"""The codes GDELT events are written in, and what they mean in our data model.

GDELT codes each event with CAMEO (Conflict and Mediation Event Observations): a 2- to 4-digit
event code (``"042"``, never the integer 42), and per actor a 3-letter country code, a known-group
code and role codes. Its geography fields use FIPS 10-4 country codes, not ISO. This module holds
our own tables for all of them, written in code so the importer needs no data files:

- ``EVENT_LABELS``: every CAMEO event code and a short label, used in engagement titles: the 310
  of GDELT's lookup file, 106 (Demand withdrawal, lost in that file) and 1213/1214 (Reject
  judicial / intelligence cooperation, in the PLOVER conversion table);
- ``EVENT_RULES``: the engagement kind, mode and participant roles of each CAMEO root code and of
  the sub-codes that differ from their root (the longest matching prefix wins; see
  ``event_type``), decided with the CAMEO→PLOVER conversion table (PLOVER draft 0.8, 2021);
- ``REGIONS``: the CAMEO actor "country" codes that are regions or blocs (AFR, EUR, WST, ...): never
  a country; the importer makes each a group of kind OTHER;
- ``KNOWN_GROUPS``: the CAMEO known-group codes (NAT, EEC, UNO, ...) with the group's name, the
  names it is known by and its kind;
- ``cameo_country``: a CAMEO actor country code → ISO 3166-1 alpha-2 (ISO alpha-3 in all but a
  few legacy codes), or None;
- ``FIPS_TO_ISO`` / ``fips_country``: a FIPS 10-4 country code (GDELT ``*Geo_CountryCode``) → ISO
  3166-1 alpha-2, or None where no ISO country fits (oceans, disputed islands, defunct states).
"""

from __future__ import annotations

from dataclasses import dataclass

import pycountry

from db.enums import EngagementKind, EngagementMode, GroupKind, ParticipantRole

# --- event codes -------------------------------------------------------------------------------

EVENT_LABELS: dict[str, str] = {
    "01": "Make public statement",
    "010": "Make statement",
    "011": "Decline comment",
    "012": "Make pessimistic comment",
    "013": "Make optimistic comment",
    "014": "Consider policy option",
    "015": "Acknowledge or claim responsibility",
    "016": "Deny responsibility",
    "017": "Engage in symbolic act",
    "018": "Make empathetic comment",
    "019": "Express accord",
    "02": "Appeal",
    "020": "Appeal",
    "021": "Appeal for material cooperation",
    "0211": "Appeal for economic cooperation",
    "0212": "Appeal for military cooperation",
    "0213": "Appeal for judicial cooperation",
    "0214": "Appeal for intelligence",
    "022": "Appeal for diplomatic cooperation, such as policy support",
    "023": "Appeal for aid",
    "0231": "Appeal for economic aid",
    "0232": "Appeal for military aid",
    "0233": "Appeal for humanitarian aid",
    "0234": "Appeal for military protection or peacekeeping",
    "024": "Appeal for political reform",
    "0241": "Appeal for change in leadership",
    "0242": "Appeal for policy change",
    "0243": "Appeal for rights",
    "0244": "Appeal for change in institutions, regime",
    "025": "Appeal to yield",
    "0251": "Appeal for easing of administrative sanctions",
    "0252": "Appeal for easing of popular dissent",
    "0253": "Appeal for release of persons or property",
    "0254": "Appeal for easing of economic sanctions, boycott, or embargo",
    "0255": "Appeal for target to allow international involvement (non-mediation)",
    "0256": "Appeal for de-escalation of military engagement",
    "026": "Appeal to others to meet or negotiate",
    "027": "Appeal to others to settle dispute",
    "028": "Appeal to others to engage in or accept mediation",
    "03": "Express intent to cooperate",
    "030": "Express intent to cooperate",
    "031": "Express intent to engage in material cooperation",
    "0311": "Express intent to cooperate economically",
    "0312": "Express intent to cooperate militarily",
    "0313": "Express intent to cooperate on judicial matters",
    "0314": "Express intent to cooperate on intelligence",
    "032": "Express intent to provide diplomatic cooperation such as policy support",
    "033": "Express intent to provide material aid",
    "0331": "Express intent to provide economic aid",
    "0332": "Express intent to provide military aid",
    "0333": "Express intent to provide humanitarian aid",
    "0334": "Express intent to provide military protection or peacekeeping",
    "034": "Express intent to institute political reform",
    "0341": "Express intent to change leadership",
    "0342": "Express intent to change policy",
    "0343": "Express intent to provide rights",
    "0344": "Express intent to change institutions, regime",
    "035": "Express intent to yield",
    "0351": "Express intent to ease administrative sanctions",
    "0352": "Express intent to ease popular dissent",
    "0353": "Express intent to release persons or property",
    "0354": "Express intent to ease economic sanctions, boycott, or embargo",
    "0355": "Express intent to allow international involvement (not mediation)",
    "0356": "Express intent to de-escalate military engagement",
    "036": "Express intent to meet or negotiate",
    "037": "Express intent to settle dispute",
    "038": "Express intent to accept mediation",
    "039": "Express intent to mediate",
    "04": "Consult",
    "040": "Consult",
    "041": "Discuss by telephone",
    "042": "Make a visit",
    "043": "Host a visit",
    "044": "Meet at a 'third' location",
    "045": "Mediate",
    "046": "Engage in negotiation",
    "05": "Engage in diplomatic cooperation",
    "050": "Engage in diplomatic cooperation",
    "051": "Praise or endorse",
    "052": "Defend verbally",
    "053": "Rally support on behalf of",
    "054": "Grant diplomatic recognition",
    "055": "Apologize",
    "056": "Forgive",
    "057": "Sign formal agreement",
    "06": "Engage in material cooperation",
    "060": "Engage in material cooperation",
    "061": "Cooperate economically",
    "062": "Cooperate militarily",
    "063": "Engage in judicial cooperation",
    "064": "Share intelligence or information",
    "07": "Provide aid",
    "070": "Provide aid",
    "071": "Provide economic aid",
    "072": "Provide military aid",
    "073": "Provide humanitarian aid",
    "074": "Provide military protection or peacekeeping",
    "075": "Grant asylum",
    "08": "Yield",
    "080": "Yield",
    "081": "Ease administrative sanctions",
    "0811": "Ease restrictions on political freedoms",
    "0812": "Ease ban on political parties or politicians",
    "0813": "Ease curfew",
    "0814": "Ease state of emergency or martial law",
    "082": "Ease political dissent",
    "083": "Accede to requests or demands for political reform",
    "0831": "Accede to demands for change in leadership",
    "0832": "Accede to demands for change in policy",
    "0833": "Accede to demands for rights",
    "0834": "Accede to demands for change in institutions, regime",
    "084": "Return, release",
    "0841": "Return, release person(s)",
    "0842": "Return, release property",
    "085": "Ease economic sanctions, boycott, embargo",
    "086": "Allow international involvement",
    "0861": "Receive deployment of peacekeepers",
    "0862": "Receive inspectors",
    "0863": "Allow delivery of humanitarian aid",
    "087": "De-escalate military engagement",
    "0871": "Declare truce, ceasefire",
    "0872": "Ease military blockade",
    "0873": "Demobilize armed forces",
    "0874": "Retreat or surrender militarily",
    "09": "Investigate",
    "090": "Investigate",
    "091": "Investigate crime, corruption",
    "092": "Investigate human rights abuses",
    "093": "Investigate military action",
    "094": "Investigate war crimes",
    "10": "Demand",
    "100": "Demand",
    "101": "Demand information, investigation",
    "1011": "Demand economic cooperation",
    "1012": "Demand military cooperation",
    "1013": "Demand judicial cooperation",
    "1014": "Demand intelligence cooperation",
    "102": "Demand policy support",
    "103": "Demand aid, protection, or peacekeeping",
    "1031": "Demand economic aid",
    "1032": "Demand military aid",
    "1033": "Demand humanitarian aid",
    "1034": "Demand military protection or peacekeeping",
    "104": "Demand political reform",
    "1041": "Demand change in leadership",
    "1042": "Demand policy change",
    "1043": "Demand rights",
    "1044": "Demand change in institutions, regime",
    "105": "Demand mediation",
    "1051": "Demand easing of administrative sanctions",
    "1052": "Demand easing of political dissent",
    "1053": "Demand release of persons or property",
    "1054": "Demand easing of economic sanctions, boycott, or embargo",
    "1055": "Demand that target allows international involvement (non-mediation)",
    "1056": "Demand de-escalation of military engagement",
    "106": "Demand withdrawal",
    "107": "Demand ceasefire",
    "108": "Demand meeting, negotiation",
    "11": "Disapprove",
    "110": "Disapprove",
    "111": "Criticize or denounce",
    "112": "Accuse",
    "1121": "Accuse of crime, corruption",
    "1122": "Accuse of human rights abuses",
    "1123": "Accuse of aggression",
    "1124": "Accuse of war crimes",
    "1125": "Accuse of espionage, treason",
    "113": "Rally opposition against",
    "114": "Complain officially",
    "115": "Bring lawsuit against",
    "116": "Find guilty or liable (legally)",
    "12": "Reject",
    "120": "Reject",
    "121": "Reject material cooperation",
    "1211": "Reject economic cooperation",
    "1212": "Reject military cooperation",
    "1213": "Reject judicial cooperation",
    "1214": "Reject intelligence cooperation",
    "122": "Reject request or demand for material aid",
    "1221": "Reject request for economic aid",
    "1222": "Reject request for military aid",
    "1223": "Reject request for humanitarian aid",
    "1224": "Reject request for military protection or peacekeeping",
    "123": "Reject request or demand for political reform",
    "1231": "Reject request for change in leadership",
    "1232": "Reject request for policy change",
    "1233": "Reject request for rights",
    "1234": "Reject request for change in institutions, regime",
    "124": "Refuse to yield",
    "1241": "Refuse to ease administrative sanctions",
    "1242": "Refuse to ease popular dissent",
    "1243": "Refuse to release persons or property",
    "1244": "Refuse to ease economic sanctions, boycott, or embargo",
    "1245": "Refuse to allow international involvement (non mediation)",
    "1246": "Refuse to de-escalate military engagement",
    "125": "Reject proposal to meet, discuss, or negotiate",
    "126": "Reject mediation",
    "127": "Reject plan, agreement to settle dispute",
    "128": "Defy norms, law",
    "129": "Veto",
    "13": "Threaten",
    "130": "Threaten",
    "131": "Threaten non-force",
    "1311": "Threaten to reduce or stop aid",
    "1312": "Threaten to boycott, embargo, or sanction",
    "1313": "Threaten to reduce or break relations",
    "132": "Threaten with administrative sanctions",
    "1321": "Threaten to impose restrictions on political freedoms",
    "1322": "Threaten to ban political parties or politicians",
    "1323": "Threaten to impose curfew",
    "1324": "Threaten to impose state of emergency or martial law",
    "133": "Threaten political dissent, protest",
    "134": "Threaten to halt negotiations",
    "135": "Threaten to halt mediation",
    "136": "Threaten to halt international involvement (non-mediation)",
    "137": "Threaten with violent repression",
    "138": "Threaten to use military force",
    "1381": "Threaten blockade",
    "1382": "Threaten occupation",
    "1383": "Threaten unconventional violence",
    "1384": "Threaten conventional attack",
    "1385": "Threaten attack with WMD",
    "139": "Give ultimatum",
    "14": "Protest",
    "140": "Engage in political dissent",
    "141": "Demonstrate or rally",
    "1411": "Demonstrate for leadership change",
    "1412": "Demonstrate for policy change",
    "1413": "Demonstrate for rights",
    "1414": "Demonstrate for change in institutions, regime",
    "142": "Conduct hunger strike",
    "1421": "Conduct hunger strike for leadership change",
    "1422": "Conduct hunger strike for policy change",
    "1423": "Conduct hunger strike for rights",
    "1424": "Conduct hunger strike for change in institutions, regime",
    "143": "Conduct strike or boycott",
    "1431": "Conduct strike or boycott for leadership change",
    "1432": "Conduct strike or boycott for policy change",
    "1433": "Conduct strike or boycott for rights",
    "1434": "Conduct strike or boycott for change in institutions, regime",
    "144": "Obstruct passage, block",
    "1441": "Obstruct passage to demand leadership change",
    "1442": "Obstruct passage to demand policy change",
    "1443": "Obstruct passage to demand rights",
    "1444": "Obstruct passage to demand change in institutions, regime",
    "145": "Protest violently, riot",
    "1451": "Engage in violent protest for leadership change",
    "1452": "Engage in violent protest for policy change",
    "1453": "Engage in violent protest for rights",
    "1454": "Engage in violent protest for change in institutions, regime",
    "15": "Exhibit force posture",
    "150": "Demonstrate military or police power",
    "151": "Increase police alert status",
    "152": "Increase military alert status",
    "153": "Mobilize or increase police power",
    "154": "Mobilize or increase armed forces",
    "16": "Reduce relations",
    "160": "Reduce relations",
    "161": "Reduce or break diplomatic relations",
    "162": "Reduce or stop aid",
    "1621": "Reduce or stop economic assistance",
    "1622": "Reduce or stop military assistance",
    "1623": "Reduce or stop humanitarian assistance",
    "163": "Impose embargo, boycott, or sanctions",
    "164": "Halt negotiations",
    "165": "Halt mediation",
    "166": "Expel or withdraw",
    "1661": "Expel or withdraw peacekeepers",
    "1662": "Expel or withdraw inspectors, observers",
    "1663": "Expel or withdraw aid agencies",
    "17": "Coerce",
    "170": "Coerce",
    "171": "Seize or damage property",
    "1711": "Confiscate property",
    "1712": "Destroy property",
    "172": "Impose administrative sanctions",
    "1721": "Impose restrictions on political freedoms",
    "1722": "Ban political parties or politicians",
    "1723": "Impose curfew",
    "1724": "Impose state of emergency or martial law",
    "173": "Arrest, detain, or charge with legal action",
    "174": "Expel or deport individuals",
    "175": "Use tactics of violent repression",
    "18": "Assault",
    "180": "Use unconventional violence",
    "181": "Abduct, hijack, or take hostage",
    "182": "Physically assault",
    "1821": "Sexually assault",
    "1822": "Torture",
    "1823": "Kill by physical assault",
    "183": "Conduct suicide, car, or other non-military bombing",
    "1831": "Carry out suicide bombing",
    "1832": "Carry out car bombing",
    "1833": "Carry out roadside bombing",
    "184": "Use as human shield",
    "185": "Attempt to assassinate",
    "186": "Assassinate",
    "19": "Fight",
    "190": "Use conventional military force",
    "191": "Impose blockade, restrict movement",
    "192": "Occupy territory",
    "193": "Fight with small arms and light weapons",
    "194": "Fight with artillery and tanks",
    "195": "Employ aerial weapons",
    "196": "Violate ceasefire",
    "20": "Use unconventional mass violence",
    "200": "Use unconventional mass violence",
    "201": "Engage in mass expulsion",
    "202": "Engage in mass killings",
    "203": "Engage in ethnic cleansing",
    "204": "Use weapons of mass destruction",
    "2041": "Use chemical, biological, or radiological weapons",
    "2042": "Detonate nuclear weapons",
}

K = EngagementKind
M = EngagementMode
R = ParticipantRole


@dataclass(frozen=True)
class EventType:
    """What a CAMEO event becomes: an engagement kind and mode, and the roles of Actor1 and
    Actor2 (by default Actor1 acts, INITIATOR, on Actor2, RECIPIENT). ``plover`` names the PLOVER
    category (and mode) the rule follows, for the record."""

    kind: EngagementKind
    plover: str
    mode: EngagementMode | None = None
    actor1_role: ParticipantRole = R.INITIATOR
    actor2_role: ParticipantRole = R.RECIPIENT


# Keyed by code prefix: each root code (01-20) and every sub-code whose meaning differs from its
# root's. PLOVER has no category for CAMEO 01 (statements) or 02 (appeals); it folds appeals into
# REQUEST with the demands of 10. Where our vocabulary has no matching kind (PLOVER AGREE,
# SUPPORT, CONCEDE, RETREAT, ACCUSE/investigate), verbal events are STATEMENTs and material ones
# OTHER; the CAMEO code stays on the engagement (``cameo_code``) for finer queries.
EVENT_RULES: dict[str, EventType] = {
    # 01 Make public statement: no PLOVER event (comments are not events there).
    "01": EventType(K.STATEMENT, "none (statement)"),
    # 02 Appeal: PLOVER REQUEST, like CAMEO 10 demands.
    "02": EventType(K.DEMAND, "REQUEST"),
    # 03 Express intent to cooperate: PLOVER AGREE, a verbal commitment.
    "03": EventType(K.STATEMENT, "AGREE"),
    "039": EventType(K.MEDIATION_OFFER, "AGREE, diplomatic"),  # express intent to mediate
    # 04 Consult: PLOVER CONSULT; its modes phone, visit and third-party become kinds here.
    "04": EventType(K.MEETING, "CONSULT"),
    "041": EventType(K.CALL, "CONSULT, phone", M.PHONE),
    # Make a visit: Actor1 visits Actor2, its host.
    "042": EventType(K.VISIT, "CONSULT, visit", M.IN_PERSON, R.PARTICIPANT, R.HOST),
    # Host a visit: Actor1 hosts Actor2, the visitor.
    "043": EventType(K.VISIT, "CONSULT, visit", M.IN_PERSON, R.HOST, R.PARTICIPANT),
    "044": EventType(K.MEETING, "CONSULT, third-party", M.IN_PERSON),
    # Mediate: Actor1 mediates for Actor2.
    "045": EventType(K.NEGOTIATION, "CONSULT, diplomatic", None, R.MEDIATOR, R.PARTICIPANT),
    "046": EventType(K.NEGOTIATION, "CONSULT, diplomatic"),
    # 05 Engage in diplomatic cooperation: PLOVER SUPPORT (praise, recognition, apology).
    "05": EventType(K.STATEMENT, "SUPPORT"),
    "057": EventType(K.NEGOTIATION, "SUPPORT, diplomatic"),  # sign formal agreement
    # 06 Engage in material cooperation: PLOVER COOPERATE; 07 Provide aid: PLOVER AID.
    "06": EventType(K.AID, "COOPERATE"),
    "07": EventType(K.AID, "AID"),
    # 08 Yield: PLOVER CONCEDE / RETREAT (easing, release, de-escalation): no kind of ours.
    "08": EventType(K.OTHER, "CONCEDE / RETREAT"),
    # 09 Investigate: PLOVER ACCUSE, mode investigate: an action, not a statement.
    "09": EventType(K.OTHER, "ACCUSE, investigate"),
    # 10 Demand: PLOVER REQUEST.
    "10": EventType(K.DEMAND, "REQUEST"),
    # 11 Disapprove: PLOVER ACCUSE (criticise, accuse, complain): verbal.
    "11": EventType(K.STATEMENT, "ACCUSE"),
    # 12 Reject: PLOVER REJECT: verbal.
    "12": EventType(K.STATEMENT, "REJECT"),
    # 13 Threaten: PLOVER THREATEN.
    "13": EventType(K.THREAT, "THREATEN"),
    # 14 Protest: PLOVER PROTEST (demonstrations, strikes, riots).
    "14": EventType(K.PROTEST, "PROTEST"),
    # 15 Exhibit force posture: PLOVER MOBILIZE (troops or police).
    "15": EventType(K.MILITARY_DEPLOYMENT, "MOBILIZE"),
    # 16 Reduce relations: PLOVER SANCTION (163 embargo: PLOVER COERCE, restrict).
    "16": EventType(K.SANCTION, "SANCTION"),
    "163": EventType(K.SANCTION, "COERCE, restrict"),  # impose embargo, boycott or sanctions
    # 17 Coerce: PLOVER COERCE (seizures, administrative sanctions, arrests, expulsions).
    "17": EventType(K.SANCTION, "COERCE"),
    "1712": EventType(K.ATTACK, "ASSAULT, seize"),  # destroy property
    "175": EventType(K.ATTACK, "ASSAULT"),  # violent repression
    # 18 Assault, 19 Fight, 20 Unconventional mass violence: PLOVER ASSAULT.
    "18": EventType(K.ATTACK, "ASSAULT"),
    "19": EventType(K.ATTACK, "ASSAULT, military"),
    "191": EventType(K.MILITARY_DEPLOYMENT, "COERCE, restrict, military"),  # blockade
    "192": EventType(K.MILITARY_DEPLOYMENT, "COERCE, seize, military"),  # occupy territory
    "20": EventType(K.ATTACK, "ASSAULT"),
}


def is_event_code(code: str) -> bool:
    """A CAMEO event code as GDELT writes it: 2 to 4 digits, leading zeros kept, in the codebook."""
    return code in EVENT_LABELS


def event_type(code: str) -> EventType:
    """The rule for an event code: its own, else its base code's, else its root's."""
    for length in (4, 3, 2):
        rule = EVENT_RULES.get(code[:length])
        if rule is not None:
            return rule
    raise KeyError(f"not a CAMEO event code: {code!r}")


def event_label(code: str) -> str:
    return EVENT_LABELS.get(code) or EVENT_LABELS.get(code[:3]) or EVENT_LABELS[code[:2]]


# --- actor codes -------------------------------------------------------------------------------

# CAMEO actor "country" codes that name a region or bloc: not countries, never mapped to one.
REGIONS: dict[str, str] = {
    "AFR": "Africa",
    "ASA": "Asia",
    "BLK": "Balkans",
    "CAS": "Central Asia",
    "CAU": "Caucasus",
    "CEU": "Central Europe",
    "CFR": "Central Africa",
    "CRB": "Caribbean",
    "EAF": "Eastern Africa",
    "EEU": "Eastern Europe",
    "EIN": "East Indies",
    "EUR": "Europe",
    "LAM": "Latin America",
    "MDT": "Mediterranean",
    "MEA": "Middle East",
    "NAF": "North Africa",
    "NMR": "North America",
    "PGS": "Persian Gulf",
    "SAF": "Southern Africa",
    "SAM": "South America",
    "SAS": "South Asia",
    "SCN": "Scandinavia",
    "SEA": "Southeast Asia",
    "WAF": "West Africa",
    "WST": "The West",
}

# CAMEO country codes that are not ISO 3166-1 alpha-3 but name an ISO country.
_LEGACY_COUNTRIES: dict[str, str] = {
    "TMP": "TL",  # East Timor
    "ROM": "RO",  # Romania
    "ZAR": "CD",  # Zaire
}

_ALPHA3: dict[str, str] = {str(c.alpha_3): str(c.alpha_2) for c in pycountry.countries}


def cameo_country(code: str) -> str | None:
    """ISO 3166-1 alpha-2 for a CAMEO actor country code; None for regions (see ``REGIONS``),
    Kosovo (KSV: no ISO code) and anything unknown."""
    if code in REGIONS:
        return None
    return _ALPHA3.get(code) or _LEGACY_COUNTRIES.get(code)


@dataclass(frozen=True)
class KnownGroup:
    name: str
    kind: GroupKind
    aliases: tuple[str, ...] = ()


_IO = GroupKind.INTERNATIONAL_ORGANISATION
_ARMED = GroupKind.ARMED_GROUP
_OTHER = GroupKind.OTHER

# CAMEO known-group codes. Left out on purpose: CEM (CAMEO gives it to both COMESA and CEMAC),
# CMN ("Communist": a label, not a group) and PSE (the Palestinian territories: a country, PS).
# OAU is recorded as its successor, the African Union (2002), which GDELT codes the same way.
KNOWN_GROUPS: dict[str, KnownGroup] = {
    "AAM": KnownGroup("Al-Aqsa Martyrs' Brigades", _ARMED, ("Al Aqsa Martyrs Brigade",)),
    "ABD": KnownGroup("Arab Bank for Economic Development in Africa", _IO, ("BADEA",)),
    "ACC": KnownGroup("Arab Cooperation Council", _IO),
    "ADB": KnownGroup("Asian Development Bank", _IO),
    "AEU": KnownGroup("Council of Arab Economic Unity", _IO, ("Arab Economic Unity Council",)),
    "AFB": KnownGroup("African Development Bank", _IO),
    "ALQ": KnownGroup("Al-Qaeda", _ARMED, ("Al Qaeda", "al-Qaida")),
    "AMF": KnownGroup("Arab Monetary Fund", _IO),
    "AML": KnownGroup("Amal Movement", _ARMED, ("Amal Militia",)),
    "AMN": KnownGroup("Amnesty International", _OTHER),
    "AMU": KnownGroup("Arab Maghreb Union", _IO),
    "ANO": KnownGroup("Abu Nidal Organization", _ARMED),
    "APE": KnownGroup("Organization of Arab Petroleum Exporting Countries", _IO, ("OAPEC",)),
    "ARL": KnownGroup("Arab League", _IO, ("League of Arab States",)),
    "ASL": KnownGroup("South Lebanon Army", _ARMED),
    "ASN": KnownGroup("Association of Southeast Asian Nations", _IO, ("ASEAN",)),
    "ATD": KnownGroup("Eastern and Southern African Trade and Development Bank", _IO),
    "BCA": KnownGroup("Bank of Central African States", _IO, ("BEAC",)),
    "BIS": KnownGroup("Bank for International Settlements", _IO),
    "BTH": KnownGroup("Ba'ath Party", _OTHER, ("Baath Party",)),
    "CFA": KnownGroup("Franc Zone Financial Community of Africa", _IO),
    "CIS": KnownGroup("Commonwealth of Independent States", _IO),
    "COE": KnownGroup("Council of Europe", _IO),
    "CPA": KnownGroup("Cocoa Producers' Alliance", _IO),
    "CPC": KnownGroup("Association of Coffee Producing Countries", _IO),
    "CRC": KnownGroup(
        "International Federation of Red Cross and Red Crescent Societies", _OTHER, ("IFRC",)
    ),
    "CSS": KnownGroup("Community of Sahel-Saharan States", _IO, ("CEN-SAD",)),
    "CWN": KnownGroup("Commonwealth of Nations", _IO),
    "DFL": KnownGroup("Democratic Front for the Liberation of Palestine", _ARMED, ("DFLP",)),
    "EBR": KnownGroup("European Bank for Reconstruction and Development", _IO, ("EBRD",)),
    "ECA": KnownGroup("Economic Community of Central African States", _IO, ("ECCAS",)),
    "EEC": KnownGroup("European Union", _IO, ("EU", "European Community")),
    "EFT": KnownGroup("European Free Trade Association", _IO, ("EFTA",)),
    "ENN": KnownGroup("Ennahda Movement", _OTHER),
    "FAO": KnownGroup("Food and Agriculture Organization of the United Nations", _IO, ("FAO",)),
    "FID": KnownGroup("International Federation for Human Rights", _OTHER, ("FIDH",)),
    "FIS": KnownGroup("Islamic Salvation Army", _ARMED),
    "FLN": KnownGroup("National Liberation Front (Algeria)", _OTHER),
    "FTA": KnownGroup("Fatah", _OTHER),
    "GCC": KnownGroup("Gulf Cooperation Council", _IO),
    "GIA": KnownGroup("Armed Islamic Group", _ARMED),
    "GOE": KnownGroup("Group of Eight", GroupKind.DIPLOMATIC_FORMAT, ("G8", "G-8")),
    "GOS": KnownGroup("Group of Seven", GroupKind.DIPLOMATIC_FORMAT, ("G7", "G-7")),
    "GSP": KnownGroup("Salafist Group for Preaching and Combat", _ARMED, ("GSPC",)),
    "GSS": KnownGroup("Group of 77", GroupKind.DIPLOMATIC_FORMAT, ("G77", "G-77")),
    "HCH": KnownGroup("Office of the UN High Commissioner for Human Rights", _IO, ("OHCHR",)),
    "HCR": KnownGroup("UN High Commissioner for Refugees", _IO, ("UNHCR",)),
    "HEZ": KnownGroup("Hezbollah", _ARMED, ("Hizbullah", "Hezbullah")),
    "HIP": KnownGroup("Heavily Indebted Poor Countries", _OTHER, ("HIPC",)),
    "HMS": KnownGroup("Hamas", _ARMED),
    "HRW": KnownGroup("Human Rights Watch", _OTHER),
    "IAC": KnownGroup("Inter-African Coffee Organisation", _IO),
    "IAD": KnownGroup("Intergovernmental Authority on Development", _IO, ("IGAD",)),
    "IAE": KnownGroup("International Atomic Energy Agency", _IO, ("IAEA",)),
    "IAF": KnownGroup("Islamic Action Front", _OTHER),
    "ICC": KnownGroup("International Criminal Court", _IO),
    "ICG": KnownGroup("International Crisis Group", _OTHER),
    "ICJ": KnownGroup("International Court of Justice", _IO),
    "ICO": KnownGroup("International Cocoa Organization", _IO, ("ICCO",)),
    "IDB": KnownGroup("Islamic Development Bank", _IO),
    "IGC": KnownGroup("International Grains Council", _IO),
    "IHF": KnownGroup("International Helsinki Federation for Human Rights", _OTHER),
    "ILO": KnownGroup("International Labour Organization", _IO, ("ILO",)),
    "IMF": KnownGroup("International Monetary Fund", _IO, ("IMF",)),
    "IOM": KnownGroup("International Organization for Migration", _IO, ("IOM",)),
    "IPU": KnownGroup("Inter-Parliamentary Union", _IO),
    "IRC": KnownGroup("International Committee of the Red Cross", _OTHER, ("ICRC", "Red Cross")),
    "ISJ": KnownGroup("Palestinian Islamic Jihad", _ARMED),
    "ITP": KnownGroup("Interpol", _IO),
    "JUR": KnownGroup("International Commission of Jurists", _OTHER),
    "KDP": KnownGroup("Kurdistan Democratic Party", _OTHER, ("Kurdish Democratic Party",)),
    "KID": KnownGroup("UNICEF", _IO, ("United Nations Children's Fund",)),
    "LBA": KnownGroup("Israeli Labor Party", _OTHER),
    "LKD": KnownGroup("Likud", _OTHER),
    "MBR": KnownGroup("Muslim Brotherhood", _OTHER),
    "MRZ": KnownGroup("Meretz", _OTHER),
    "MSF": KnownGroup("Médecins Sans Frontières", _OTHER, ("Doctors Without Borders", "MSF")),
    "MSP": KnownGroup("Movement of Society for Peace", _OTHER),
    "NAT": KnownGroup("North Atlantic Treaty Organization", GroupKind.ALLIANCE, ("NATO",)),
    "NEP": KnownGroup("New Partnership for Africa's Development", _IO, ("NEPAD",)),
    "NON": KnownGroup("Non-Aligned Movement", _IO),
    "OAS": KnownGroup("Organization of American States", _IO),
    "OAU": KnownGroup("African Union", _IO, ("Organization of African Unity", "OAU")),
    "OIC": KnownGroup(
        "Organisation of Islamic Cooperation", _IO, ("Organization of the Islamic Conference",)
    ),
    "OPC": KnownGroup("Organization of the Petroleum Exporting Countries", _IO, ("OPEC",)),
    "PAP": KnownGroup("Pan-African Parliament", _IO),
    "PFL": KnownGroup("Popular Front for the Liberation of Palestine", _ARMED, ("PFLP",)),
    "PLF": KnownGroup("Palestine Liberation Front", _ARMED),
    "PLO": KnownGroup("Palestine Liberation Organization", _OTHER, ("PLO",)),
    "PLS": KnownGroup("Polisario Front", _ARMED),
    "PMD": KnownGroup("People's Mujahedin of Iran", _ARMED, ("MEK",)),
    "PRC": KnownGroup("Paris Club", GroupKind.DIPLOMATIC_FORMAT),
    "RCR": KnownGroup("Red Crescent", _OTHER),
    "RND": KnownGroup("Democratic National Rally", _OTHER),
    "SAA": KnownGroup("South Asian Association for Regional Cooperation", _IO, ("SAARC",)),
    "SAD": KnownGroup("Southern African Development Community", _IO, ("SADC",)),
    "SCE": KnownGroup(
        "Organization for Security and Co-operation in Europe", _IO, ("OSCE", "CSCE")
    ),
    "SHA": KnownGroup("Shas", _OTHER),
    "SOT": KnownGroup("Southeast Asia Treaty Organization", GroupKind.ALLIANCE, ("SEATO",)),
    "TAL": KnownGroup("Taliban", _ARMED),
    "UEM": KnownGroup("West African Economic and Monetary Union", _IO, ("UEMOA",)),
    "UNO": KnownGroup("United Nations", _IO, ("UN", "U.N.")),
    "WAD": KnownGroup("West African Development Bank", _IO),
    "WAM": KnownGroup("West African Monetary and Economic Union", _IO),
    "WAS": KnownGroup("Economic Community of West African States", _IO, ("ECOWAS",)),
    "WBK": KnownGroup("World Bank", _IO),
    "WCT": KnownGroup("International War Crimes Tribunals", _IO),
    "WEF": KnownGroup("World Economic Forum", _OTHER),
    "WFP": KnownGroup("World Food Programme", _IO, ("WFP",)),
    "WHO": KnownGroup("World Health Organization", _IO, ("WHO",)),
    "WTO": KnownGroup("World Trade Organization", _IO, ("WTO",)),
    "XFM": KnownGroup("Oxfam", _OTHER),
}


def known_group_code(field: str, actor_code: str) -> str | None:
    """The most specific known group an actor names: GDELT's KnownGroupCode holds the first one
    in the actor code, so ``IGOUNODEVWBK`` (the World Bank) comes with ``UNO``; the actor code,
    read in 3-letter parts, gives the last (``WBK``)."""
    best = field if field in KNOWN_GROUPS else None
    if best is not None and len(actor_code) % 3 == 0:
        for start in range(len(actor_code) - 3, 2, -3):
            part = actor_code[start : start + 3]
            if part in KNOWN_GROUPS:
                return part
    return best


# --- geography: FIPS 10-4 ----------------------------------------------------------------------

# Every FIPS 10-4 country code GDELT's geography fields use → ISO 3166-1 alpha-2. None where no
# ISO country is right: open ocean (OS), disputed islands (PF Paracel, PG Spratly), the UK's
# sovereign base areas on Cyprus (AX, DX), Clipperton (IP), Kosovo (KV: no ISO code), and defunct
# states that split in several ISO countries (NT Netherlands Antilles, YI Serbia and Montenegro).
FIPS_TO_ISO: dict[str, str | None] = {
    "AA": "AW",  # Aruba
    "AC": "AG",  # Antigua and Barbuda
    "AE": "AE",  # United Arab Emirates
    "AF": "AF",  # Afghanistan
    "AG": "DZ",  # Algeria
    "AJ": "AZ",  # Azerbaijan
    "AL": "AL",  # Albania
    "AM": "AM",  # Armenia
    "AN": "AD",  # Andorra
    "AO": "AO",  # Angola
    "AQ": "AS",  # American Samoa
    "AR": "AR",  # Argentina
    "AS": "AU",  # Australia
    "AT": "AU",  # Ashmore and Cartier Islands (Australian)
    "AU": "AT",  # Austria
    "AV": "AI",  # Anguilla
    "AX": None,  # Akrotiri (UK sovereign base area)
    "AY": "AQ",  # Antarctica
    "BA": "BH",  # Bahrain
    "BB": "BB",  # Barbados
    "BC": "BW",  # Botswana
    "BD": "BM",  # Bermuda
    "BE": "BE",  # Belgium
    "BF": "BS",  # Bahamas
    "BG": "BD",  # Bangladesh
    "BH": "BZ",  # Belize
    "BK": "BA",  # Bosnia and Herzegovina
    "BL": "BO",  # Bolivia
    "BM": "MM",  # Burma
    "BN": "BJ",  # Benin
    "BO": "BY",  # Belarus
    "BP": "SB",  # Solomon Islands
    "BQ": "UM",  # Navassa Island
    "BR": "BR",  # Brazil
    "BS": "TF",  # Bassas da India
    "BT": "BT",  # Bhutan
    "BU": "BG",  # Bulgaria
    "BV": "BV",  # Bouvet Island
    "BX": "BN",  # Brunei
    "BY": "BI",  # Burundi
    "CA": "CA",  # Canada
    "CB": "KH",  # Cambodia
    "CD": "TD",  # Chad
    "CE": "LK",  # Sri Lanka
    "CF": "CG",  # Congo (Brazzaville)
    "CG": "CD",  # Congo (Kinshasa)
    "CH": "CN",  # China
    "CI": "CL",  # Chile
    "CJ": "KY",  # Cayman Islands
    "CK": "CC",  # Cocos (Keeling) Islands
    "CM": "CM",  # Cameroon
    "CN": "KM",  # Comoros
    "CO": "CO",  # Colombia
    "CQ": "MP",  # Northern Mariana Islands
    "CR": "AU",  # Coral Sea Islands (Australian)
    "CS": "CR",  # Costa Rica
    "CT": "CF",  # Central African Republic
    "CU": "CU",  # Cuba
    "CV": "CV",  # Cape Verde
    "CW": "CK",  # Cook Islands
    "CY": "CY",  # Cyprus
    "DA": "DK",  # Denmark
    "DJ": "DJ",  # Djibouti
    "DO": "DM",  # Dominica
    "DQ": "UM",  # Jarvis Island
    "DR": "DO",  # Dominican Republic
    "DX": None,  # Dhekelia (UK sovereign base area)
    "EC": "EC",  # Ecuador
    "EG": "EG",  # Egypt
    "EI": "IE",  # Ireland
    "EK": "GQ",  # Equatorial Guinea
    "EN": "EE",  # Estonia
    "ER": "ER",  # Eritrea
    "ES": "SV",  # El Salvador
    "ET": "ET",  # Ethiopia
    "EU": "TF",  # Europa Island
    "EZ": "CZ",  # Czech Republic
    "FG": "GF",  # French Guiana
    "FI": "FI",  # Finland
    "FJ": "FJ",  # Fiji
    "FK": "FK",  # Falkland Islands
    "FM": "FM",  # Micronesia
    "FO": "FO",  # Faroe Islands
    "FP": "PF",  # French Polynesia
    "FQ": "UM",  # Baker Island
    "FR": "FR",  # France
    "FS": "TF",  # French Southern and Antarctic Lands
    "GA": "GM",  # Gambia
    "GB": "GA",  # Gabon
    "GG": "GE",  # Georgia
    "GH": "GH",  # Ghana
    "GI": "GI",  # Gibraltar
    "GJ": "GD",  # Grenada
    "GK": "GG",  # Guernsey
    "GL": "GL",  # Greenland
    "GM": "DE",  # Germany
    "GO": "TF",  # Glorioso Islands
    "GP": "GP",  # Guadeloupe
    "GQ": "GU",  # Guam
    "GR": "GR",  # Greece
    "GT": "GT",  # Guatemala
    "GV": "GN",  # Guinea
    "GY": "GY",  # Guyana
    "GZ": "PS",  # Gaza Strip
    "HA": "HT",  # Haiti
    "HK": "HK",  # Hong Kong
    "HM": "HM",  # Heard Island and McDonald Islands
    "HO": "HN",  # Honduras
    "HQ": "UM",  # Howland Island
    "HR": "HR",  # Croatia
    "HU": "HU",  # Hungary
    "IC": "IS",  # Iceland
    "ID": "ID",  # Indonesia
    "IM": "IM",  # Isle of Man
    "IN": "IN",  # India
    "IO": "IO",  # British Indian Ocean Territory
    "IP": None,  # Clipperton Island
    "IR": "IR",  # Iran
    "IS": "IL",  # Israel
    "IT": "IT",  # Italy
    "IV": "CI",  # Côte d'Ivoire
    "IZ": "IQ",  # Iraq
    "JA": "JP",  # Japan
    "JE": "JE",  # Jersey
    "JM": "JM",  # Jamaica
    "JN": "SJ",  # Jan Mayen
    "JO": "JO",  # Jordan
    "JQ": "UM",  # Johnston Atoll
    "JU": "TF",  # Juan de Nova Island
    "KE": "KE",  # Kenya
    "KG": "KG",  # Kyrgyzstan
    "KN": "KP",  # North Korea
    "KQ": "UM",  # Kingman Reef
    "KR": "KI",  # Kiribati
    "KS": "KR",  # South Korea
    "KT": "CX",  # Christmas Island
    "KU": "KW",  # Kuwait
    "KV": None,  # Kosovo (no ISO 3166-1 code)
    "KZ": "KZ",  # Kazakhstan
    "LA": "LA",  # Laos
    "LE": "LB",  # Lebanon
    "LG": "LV",  # Latvia
    "LH": "LT",  # Lithuania
    "LI": "LR",  # Liberia
    "LO": "SK",  # Slovakia
    "LQ": "UM",  # Palmyra Atoll
    "LS": "LI",  # Liechtenstein
    "LT": "LS",  # Lesotho
    "LU": "LU",  # Luxembourg
    "LY": "LY",  # Libya
    "MA": "MG",  # Madagascar
    "MB": "MQ",  # Martinique
    "MC": "MO",  # Macau
    "MD": "MD",  # Moldova
    "MF": "YT",  # Mayotte
    "MG": "MN",  # Mongolia
    "MH": "MS",  # Montserrat
    "MI": "MW",  # Malawi
    "MJ": "ME",  # Montenegro
    "MK": "MK",  # North Macedonia
    "ML": "ML",  # Mali
    "MN": "MC",  # Monaco
    "MO": "MA",  # Morocco
    "MP": "MU",  # Mauritius
    "MQ": "UM",  # Midway Islands
    "MR": "MR",  # Mauritania
    "MT": "MT",  # Malta
    "MU": "OM",  # Oman
    "MV": "MV",  # Maldives
    "MX": "MX",  # Mexico
    "MY": "MY",  # Malaysia
    "MZ": "MZ",  # Mozambique
    "NC": "NC",  # New Caledonia
    "NE": "NU",  # Niue
    "NF": "NF",  # Norfolk Island
    "NG": "NE",  # Niger
    "NH": "VU",  # Vanuatu
    "NI": "NG",  # Nigeria
    "NL": "NL",  # Netherlands
    "NN": "SX",  # Sint Maarten
    "NO": "NO",  # Norway
    "NP": "NP",  # Nepal
    "NR": "NR",  # Nauru
    "NS": "SR",  # Suriname
    "NT": None,  # Netherlands Antilles (dissolved 2010: BQ, CW, SX)
    "NU": "NI",  # Nicaragua
    "NZ": "NZ",  # New Zealand
    "OD": "SS",  # South Sudan
    "OS": None,  # Oceans
    "PA": "PY",  # Paraguay
    "PC": "PN",  # Pitcairn Islands
    "PE": "PE",  # Peru
    "PF": None,  # Paracel Islands (disputed)
    "PG": None,  # Spratly Islands (disputed)
    "PK": "PK",  # Pakistan
    "PL": "PL",  # Poland
    "PM": "PA",  # Panama
    "PO": "PT",  # Portugal
    "PP": "PG",  # Papua New Guinea
    "PS": "PW",  # Palau
    "PU": "GW",  # Guinea-Bissau
    "QA": "QA",  # Qatar
    "RE": "RE",  # Réunion
    "RI": "RS",  # Serbia
    "RM": "MH",  # Marshall Islands
    "RN": "MF",  # Saint Martin
    "RO": "RO",  # Romania
    "RP": "PH",  # Philippines
    "RQ": "PR",  # Puerto Rico
    "RS": "RU",  # Russia
    "RW": "RW",  # Rwanda
    "SA": "SA",  # Saudi Arabia
    "SB": "PM",  # Saint Pierre and Miquelon
    "SC": "KN",  # Saint Kitts and Nevis
    "SE": "SC",  # Seychelles
    "SF": "ZA",  # South Africa
    "SG": "SN",  # Senegal
    "SH": "SH",  # Saint Helena
    "SI": "SI",  # Slovenia
    "SL": "SL",  # Sierra Leone
    "SM": "SM",  # San Marino
    "SN": "SG",  # Singapore
    "SO": "SO",  # Somalia
    "SP": "ES",  # Spain
    "ST": "LC",  # Saint Lucia
    "SU": "SD",  # Sudan
    "SV": "SJ",  # Svalbard
    "SW": "SE",  # Sweden
    "SX": "GS",  # South Georgia and the South Sandwich Islands
    "SY": "SY",  # Syria
    "SZ": "CH",  # Switzerland
    "TB": "BL",  # Saint Barthélemy
    "TD": "TT",  # Trinidad and Tobago
    "TE": "TF",  # Tromelin Island
    "TH": "TH",  # Thailand
    "TI": "TJ",  # Tajikistan
    "TK": "TC",  # Turks and Caicos Islands
    "TL": "TK",  # Tokelau
    "TN": "TO",  # Tonga
    "TO": "TG",  # Togo
    "TP": "ST",  # São Tomé and Príncipe
    "TS": "TN",  # Tunisia
    "TT": "TL",  # Timor-Leste
    "TU": "TR",  # Turkey
    "TV": "TV",  # Tuvalu
    "TW": "TW",  # Taiwan
    "TX": "TM",  # Turkmenistan
    "TZ": "TZ",  # Tanzania
    "UC": "CW",  # Curaçao
    "UG": "UG",  # Uganda
    "UK": "GB",  # United Kingdom
    "UP": "UA",  # Ukraine
    "US": "US",  # United States
    "UV": "BF",  # Burkina Faso
    "UY": "UY",  # Uruguay
    "UZ": "UZ",  # Uzbekistan
    "VC": "VC",  # Saint Vincent and the Grenadines
    "VE": "VE",  # Venezuela
    "VI": "VG",  # British Virgin Islands
    "VM": "VN",  # Vietnam
    "VQ": "VI",  # US Virgin Islands
    "VT": "VA",  # Vatican City
    "WA": "NA",  # Namibia
    "WE": "PS",  # West Bank
    "WF": "WF",  # Wallis and Futuna
    "WI": "EH",  # Western Sahara
    "WQ": "UM",  # Wake Island
    "WS": "WS",  # Samoa
    "WZ": "SZ",  # Eswatini (Swaziland)
    "YI": None,  # Serbia and Montenegro (dissolved 2006: RS, ME)
    "YM": "YE",  # Yemen
    "ZA": "ZM",  # Zambia
    "ZI": "ZW",  # Zimbabwe
}


def fips_country(code: str) -> str | None:
    """ISO 3166-1 alpha-2 for a FIPS 10-4 country code; None when none fits or it is unknown."""
    return FIPS_TO_ISO.get(code)
