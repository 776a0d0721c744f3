"""Levels: the sets of units a map is drawn at — oblasts, raions or hromadas — as data.

A level is a boundaries file plus its **unit table** (``code``, ``name_en``, ``name_uk``,
``kind``, ``parent``, ``area_km2``, and for hromadas ``raion``), loaded here once and passed
along with the figures (:attr:`mapkit.figures.Timeline.regions`, the compute engine's
:attr:`~mapkit.ingest.areas.AreaIndex.codes`), never read from a module-wide constant:

* ``oblast`` (the default): Ukraine's 27 first-level regions by ISO 3166-2 code, with Natural
  Earth's outlines (``data/oblasts.geojson``); its units are :data:`mapkit.regions.REGIONS`,
  defined there and imported nowhere else;
* ``raion``: the 136 raions, Kyiv and Sevastopol by KATOTTG code (``data/raions.geojson``,
  ``data/raions.csv``), from OpenStreetMap;
* ``hromada``: the 1,466 hromadas, and a unit wherever there is none (``data/hromadas.*``).

The row ``UA``, Ukraine as a whole (:data:`mapkit.regions.COUNTRY`), belongs to every level.

**Names.** :meth:`Level.resolve` and :meth:`Level.search` read a unit's name in English or
Ukrainian, with or without its kind ("Pokrovskyi", "Покровський район"), its code, and, for
raions and hromadas, a town's name: a hromada or raion is named by the adjective of its centre
(Huliaipole → *Huliaipilska* hromada, Kostiantynivka → *Kostiantynivska*, Pokrovsk →
*Pokrovskyi* raion), so a typed town name is turned into the few adjectives it can give
(:func:`town_stems`) and those that are a real unit's name count. Names repeat across oblasts
(two *Pokrovska Urban Hromada*: Dnipropetrovsk and Donetsk oblasts): an oblast's name in the
text ("Pokrovsk, Donetsk") chooses among them, and :meth:`Level.label` shows the parent
beside a name. Limits (docs/cli.md, "Names"): compound and irregular adjectives (Chasiv Yar →
*Chasovoiarska*, Velyka Novosilka → *Velykonovosilkivska*) are found only by the hromada's own
name; Russian-era spellings (Konstantinovka) only as suggestions.
"""

from __future__ import annotations

import csv
import difflib
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from mapkit.constants import DATA_DIR

#: The levels, coarsest first; the first is the default.
LEVEL_NAMES = ("oblast", "raion", "hromada")
DEFAULT_LEVEL = LEVEL_NAMES[0]

#: A raion's or hromada's code: KATOTTG (``UA`` and 17 digits); a raion's area outside its
#: hromadas: the raion's code and ``-rest``.
KATOTTG_CODE = re.compile(r"UA\d{17}(-rest)?")

#: What maps and exports drawn from OpenStreetMap's boundaries must say.
OSM_CREDIT = "© OpenStreetMap contributors"
ODBL = "ODbL 1.0 (Open Database License)"
ODBL_URL = "https://opendatacommons.org/licenses/odbl/1-0/"


class LevelError(ValueError):
    """A level that does not exist, or whose unit table is missing or broken; the message
    names the file or the level and says what to do."""


@dataclass(frozen=True)
class Unit:
    """A unit of a level: an oblast (:class:`mapkit.regions.Region` is this class), a raion, a
    hromada, or the whole country (``UA``)."""

    code: str  # ISO 3166-2:UA for oblasts ("UA-14"), KATOTTG below, "UA" for the country
    name_en: str  # the official romanisation (2010 national system)
    name_uk: str
    kind: str  # "oblast", "raion", "urban hromada", "city with special status", …
    official_area_km2: float | None = None  # State Statistics Service (oblasts, the country)
    parent: str | None = None  # the oblast's ISO code (raions, hromadas); None for oblasts
    raion: str | None = None  # hromadas: the raion's code
    area_km2: float | None = None  # in our boundaries, from the unit table

    def name(self, lang: str = "en") -> str:
        """The unit's name in ``lang`` ("en" or "uk")."""
        return self.name_uk if lang == "uk" else self.name_en

    def short_name(self, lang: str = "en") -> str:
        """The name without its kind, where a map has little room: "Pokrovska" for
        "Pokrovska Urban Hromada", "Покровський" for "Покровський район"; others as they
        are."""
        name = self.name(lang)
        for kind in _KIND_SUFFIXES:
            if name.endswith(kind) and len(name) > len(kind):
                return name[:-len(kind)]
        return name


class AmbiguousNameError(LookupError):
    """A name that fits several units equally well (two *Pokrovska Urban Hromada*); carries
    them, each to be shown with its parent."""

    def __init__(self, name: str, units: list[Unit], level: Level):
        self.name = name
        self.units = units
        self.level = level
        listed = "; ".join(f"{level.label(u)} {u.code}" for u in units[:8])
        more = f" and {len(units) - 8} more" if len(units) > 8 else ""
        super().__init__(f"{name!r} fits {len(units)} {level.plural}: {listed}{more}. Name "
                         "the oblast too (e.g. \"Pokrovsk, Donetsk\") or give the code.")


# --- Names --------------------------------------------------------------------------------------

#: The kinds a raion's or hromada's name ends with (:meth:`Unit.short_name`).
_KIND_SUFFIXES = (" Urban Hromada", " Settlement Hromada", " Rural Hromada", " Raion",
                  " міська громада", " селищна громада", " сільська громада", " район")

#: Words that say what kind of unit a name is, dropped to get the adjective ("Pokrovska").
KIND_WORDS = {
    "urban", "settlement", "rural", "hromada", "hromady", "community", "territorial",
    "raion", "rayon", "district", "city", "of", "outside", "hromadas", "oblast",
    "міська", "селищна", "сільська", "територіальна", "громада", "тг", "отг", "район",
    "поза", "громадами", "місто", "м", "р н", "городская", "поселковая", "сельская",
}
#: A word of a query that asks for one kind of hromada.
_KIND_OF_WORD = {
    "urban": "urban hromada", "міська": "urban hromada", "городская": "urban hromada",
    "settlement": "settlement hromada", "селищна": "settlement hromada",
    "поселковая": "settlement hromada",
    "rural": "rural hromada", "сільська": "rural hromada", "сельская": "rural hromada",
}
#: Among the units a town's name fits, which kind a town most likely names (a city is an
#: urban hromada's centre, a village a rural one's): the order :meth:`Level.search` ranks them.
_KIND_RANK = {"city with special status": 0, "raion": 0, "urban hromada": 1,
              "settlement hromada": 2, "rural hromada": 3, "outside hromadas": 4}

_SOFT = str.maketrans("", "", "ь")
_VOWELS = "aeiouyаеєиіїоуюя"


def _key(name: str) -> str:
    """A name as compared: :func:`mapkit.regions.normalise` (lower case, accents, apostrophes
    and punctuation folded)."""
    from mapkit.regions import normalise

    return normalise(name)


def _adjective(key: str) -> str:
    """A normalised name without its kind words: "pokrovska urban hromada" → "pokrovska"."""
    return " ".join(word for word in key.split() if word not in KIND_WORDS)


def _adjective_stem(adjective: str) -> str | None:
    """The stem a raion's or hromada's adjective shares with its town: "huliaipilska" →
    "huliaipilsk", "покровський" → "покровськ" → "покровск" (soft signs dropped, as the
    romanisation drops them). None for a name that is no such adjective."""
    text = adjective.translate(_SOFT)
    for ending in ("yi", "a", "ий", "а"):
        if text.endswith(ending) and text[:-len(ending)].endswith(("sk", "tsk", "zk", "ск", "цк",
                                                                    "зк")):
            return text[:-len(ending)]
    return None


def town_stems(text: str) -> set[str]:
    """The adjective stems a town's name can give (:func:`_adjective_stem`), by the rules of
    Ukrainian word formation, on the official romanisation or in Cyrillic:

    * a name ending in -sk, -tsk, -zk (Pokrovsk, Toretsk) is its own stem;
    * -ka becomes -sk or -kivsk (Kostiantynivka → Kostiantynivsk-a, Novosilka →
      Novosilkivsk-a);
    * a final vowel is dropped and -sk added (Sumy → Sumsk-a), also with the last syllable's o
      or e as i (Huliaipole → Huliaipilsk-a, Selydove → Selydivsk-a); -ia becomes -iisk
      (Balakliia → Balakliisk-a), -y may add -iv- (Oleshky → Oleshkivsk-a), -tsi becomes -etsk
      (Chernivtsi → Chernivetsk-a), -o may add -v-
      (Dnipro → Dniprovsk-a), s and -sk merge (Odesa → Odesk-a), and zh before the ending
      becomes z (Zaporizhzhia → Zaporizk-a);
    * any other name adds -sk (Bakhmut → Bakhmutsk-a, Kharkiv → Kharkivsk-a);
    * two words make one adjective joined by o (Nova Kakhovka → Novokakhovsk-a, Velyka
      Novosilka → Velykonovosilkivsk-a).

    These are candidates: only those that are a real unit's stem count (:meth:`Level.search`),
    so a rule that over-generates finds nothing rather than something wrong.
    """
    key = _key(text).translate(_SOFT)
    words = key.split()
    if len(words) == 2:  # a compound: the first word's stem, o, the second's adjective
        first = re.sub(r"(yi|ий|a|а|e|е|i|і|yi)$", "", words[0])
        return {first + ("о" if not key.isascii() else "o") + stem
                for stem in _word_stems(words[1])} | _word_stems(key)
    return _word_stems(key)


def _word_stems(word: str) -> set[str]:
    """:func:`town_stems` of one word (or of the whole text, for a name that is no compound)."""
    if not word:
        return set()
    cyrillic = not word.isascii()
    sk = "ск" if cyrillic else "sk"
    stems = set()
    if word.endswith(("sk", "tsk", "zk", "ск", "цк", "зк")):
        stems.add(word)
    if word.endswith(("ka", "ка")):
        stems.add(word[:-2] + sk)
        stems.add(word[:-1] + ("ів" if cyrillic else "iv") + sk)
    for ending in ("yi", "ий", "ia", "ie", "ія", "e", "o", "a", "y", "i", "е", "о", "а", "и",
                   "і", "я"):
        if word.endswith(ending) and len(word) > len(ending) + 2:
            base = word[:-len(ending)]
            stems.add(base + sk)
            # o, e → i in the syllable the ending closes (Гуляйполе → Гуляйпільська)
            at = max(base.rfind(v) for v in "oeое")
            if at >= len(base) - 3 and not any(c in _VOWELS for c in base[at + 1:]):
                stems.add(base[:at] + ("і" if cyrillic else "i") + base[at + 1:] + sk)
            if ending in ("ia", "ія"):  # Балаклія → Балаклійська
                stems.add(base + ("ій" if cyrillic else "i") + sk)
            if ending in ("y", "и", "i", "і"):  # Олешки → Олешківська
                stems.add(word[:-1] + ("ів" if cyrillic else "iv") + sk)
            if word.endswith(("tsi", "ці")):  # Чернівці → Чернівецька
                stems.add(word[:-(2 if cyrillic else 3)] + ("ецк" if cyrillic else "etsk"))
            if ending in ("o", "о"):  # Дніпро → Дніпровська
                stems.add(word + ("в" if cyrillic else "v") + sk)
            if base.endswith(("s", "с")):  # Одеса → Одеська
                stems.add(base + sk[-1])
            zh = re.sub(r"(zh)+$|ж+$", "", base)
            if zh != base:  # Запоріжжя → Запорізька
                stems.add(zh + ("зк" if cyrillic else "zk"))
            break
    else:
        stems.add(word + sk)
    return stems


# --- A level -------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Level:
    """A set of units a map is drawn at, with its boundaries, for computing and drawing."""

    name: str  # "oblast", "raion", "hromada"
    units: tuple[Unit, ...]  # sorted by code
    boundaries_path: Path
    #: The compute engine's prepared index for this level (:mod:`mapkit.ingest.region_index`);
    #: the raion level is computed on the hromada level's (its units nest exactly in raions).
    index_path: Path
    table_path: Path | None = None  # the unit table as CSV (raions, hromadas)
    plural: str = ""  # "oblasts", "raions", "hromadas"
    plural_uk: str = ""
    #: How a count of the units reads: "27 regions", "138 raions" (en); "27 регіонів" (uk,
    #: the genitive plural the counts here take)
    noun: str = ""
    noun_uk: str = ""
    #: Whose boundaries: credit and licence every map and export drawn from them must carry
    #: (None: public domain, Natural Earth's).
    credit: str | None = None
    licence: str | None = None
    licence_url: str | None = None
    #: The level whose units these sum up to exactly (raion → hromada: each raion is the union
    #: of its hromada-level units), or None.
    computed_from: str | None = None
    _by_code: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        from mapkit.regions import COUNTRY

        self._by_code.update({unit.code: unit for unit in self.units})
        self._by_code.setdefault(COUNTRY.code, COUNTRY)

    # --- lookups -----------------------------------------------------------------------------

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(unit.code for unit in self.units)

    @property
    def country(self) -> Unit:
        """Ukraine as a whole: the row ``UA`` every level's computed snapshots have."""
        from mapkit.regions import COUNTRY

        return COUNTRY

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def get(self, code: str) -> Unit | None:
        """The unit with this exact code (``UA``: the country), or None."""
        return self._by_code.get(code)

    def unit(self, code: str) -> Unit:
        """The unit with this exact code; :class:`mapkit.regions.UnknownRegionError` with the
        closest names otherwise."""
        found = self._by_code.get(code)
        if found is None:
            from mapkit.regions import UnknownRegionError

            raise UnknownRegionError(code, self.suggest(code), level=self)
        return found

    def parent_of(self, code: str) -> Unit | None:
        """The oblast (:class:`mapkit.regions.Region`) a unit lies in; None for an oblast and
        for the country."""
        from mapkit.regions import region_by_code

        unit = self._by_code.get(code)
        return region_by_code(unit.parent) if unit is not None and unit.parent else None

    def in_oblast(self, code: str) -> tuple[Unit, ...]:
        """The units whose parent is the oblast ``code`` (for the oblast level: itself)."""
        if self.name == DEFAULT_LEVEL:
            return tuple(u for u in self.units if u.code == code)
        return tuple(u for u in self.units if u.parent == code)

    def label(self, unit: Unit | str, lang: str = "en") -> str:
        """A unit's name with its oblast beside it where names repeat: "Pokrovska Urban
        Hromada (Donetsk)", "Покровська міська громада (Донецька область)"; an oblast's, a
        city's (Kyiv City) and the country's name alone."""
        unit = self.unit(unit) if isinstance(unit, str) else unit
        parent = self.parent_of(unit.code)
        if parent is None or parent.name(lang) == unit.name(lang):
            return unit.name(lang)
        return f"{unit.name(lang)} ({parent.name(lang)})"

    def count_text(self, lang: str = "en") -> str:
        """How many units the level has, in words: "27 regions", "1,486 hromadas",
        "1 486 громад"."""
        count = f"{len(self.units):,}"
        if lang == "uk":
            return count.replace(",", "\u00a0") + " " + self.noun_uk
        return f"{count} {self.noun}"

    @functools.cached_property
    def areas_km2(self) -> dict[str, float]:
        """Each unit's area in our boundaries (km², on the WGS 84 ellipsoid), and ``UA``'s as
        their sum: what a computed percentage is of."""
        if self.name == DEFAULT_LEVEL:
            from mapkit.regions import boundary_areas_km2

            return boundary_areas_km2()
        areas = {unit.code: float(unit.area_km2) for unit in self.units}
        areas[self.country.code] = round(sum(areas.values()), 1)
        return areas

    # --- names ---------------------------------------------------------------------------------

    @functools.cached_property
    def _names(self) -> tuple[dict[str, list[str]], dict[str, list[str]], dict[str, list[str]]]:
        """(full name → codes, adjective → codes, adjective stem → codes), normalised."""
        full: dict[str, list[str]] = {}
        adjectives: dict[str, list[str]] = {}
        stems: dict[str, list[str]] = {}
        for unit in self.units:
            for name in (unit.name_en, unit.name_uk):
                key = _key(name)
                full.setdefault(key, []).append(unit.code)
                adjective = _adjective(key)
                if adjective and adjective != key:
                    adjectives.setdefault(adjective, []).append(unit.code)
                stem = _adjective_stem(adjective) if unit.kind != "outside hromadas" else None
                if stem:
                    stems.setdefault(stem, []).append(unit.code)
        for index in (full, adjectives, stems):
            for key, codes in index.items():
                index[key] = list(dict.fromkeys(codes))
        return full, adjectives, stems

    def _matches(self, text: str) -> list[list[Unit]]:
        """Units a name fits, in tiers (best first): the code; the full name; the name
        without its kind words; a town's name (:func:`town_stems`). Within a tier, a kind
        word in the text ("urban") keeps that kind, and an oblast named in the text ("…,
        Donetsk") keeps its units."""
        if self.name == DEFAULT_LEVEL:
            from mapkit.regions import find

            region = find(text)
            return [[region]] if region is not None else []
        text = text.strip()
        if text.upper() in self._by_code:
            return [[self._by_code[text.upper()]]]
        key = _key(text)
        if not key:
            return []
        tiers = self._tiers(key)
        if not any(tiers):  # "Pokrovsk, Donetsk", "Donetsk oblast Pokrovsk": an oblast named too
            for where, rest in _oblast_in(key):
                found = [[u for u in tier if u.parent == where] for tier in self._tiers(rest)]
                if any(found):
                    return [tier for tier in found if tier]
        return [tier for tier in tiers if tier]

    def _tiers(self, key: str) -> list[list[Unit]]:
        full, adjectives, stems = self._names
        country = _country_of(key)
        if country is not None:
            return [[country]]
        words = key.split()
        kinds = {_KIND_OF_WORD[w] for w in words if w in _KIND_OF_WORD}
        adjective = _adjective(key)
        tiers = [full.get(key, []), adjectives.get(adjective, [])]
        town = []
        if adjective:
            for stem in sorted(town_stems(adjective)):
                town += stems.get(stem, [])
        tiers.append(town)
        out = []
        for codes in tiers:
            units = [self._by_code[c] for c in dict.fromkeys(codes)]
            if kinds:
                units = [u for u in units if u.kind in kinds]
            out.append(sorted(units, key=lambda u: (_KIND_RANK.get(u.kind, 5),
                                                    not self._raion_centre(u), u.code)))
        return out

    def _raion_centre(self, unit: Unit) -> bool:
        """Whether a hromada is its raion's centre: a raion is named after its centre, so the
        two share the adjective (Pokrovska hromada in Pokrovskyi raion). Of two hromadas a
        town's name fits equally (Pokrovsk: Donetsk oblast's, where it is the raion's centre,
        and Dnipropetrovsk oblast's Pokrovske), the centre comes first."""
        if self.name != "hromada" or not unit.raion or unit.raion == unit.code:
            return False
        raion = get_level("raion").get(unit.raion)
        if raion is None:
            return False
        stem = _adjective_stem(_adjective(_key(unit.name_en)))
        return stem is not None and stem == _adjective_stem(_adjective(_key(raion.name_en)))

    def match(self, name: str) -> list[Unit]:
        """The units ``name`` fits best (:meth:`resolve`): one, several (ambiguous) or none;
        no suggestions are looked for (a validator meets a million made-up names in a big bad
        file)."""
        if not isinstance(name, str) or not name.strip():
            return []
        for tier in self._matches(name):
            return [u for u in tier if _KIND_RANK.get(u.kind, 5)
                    == _KIND_RANK.get(tier[0].kind, 5)]
        return []

    def find(self, name: str) -> Unit | None:
        """The one unit :meth:`resolve` gives for ``name``, or None (no match, or several)."""
        found = self.match(name)
        return found[0] if len(found) == 1 else None

    def resolve(self, name: str) -> Unit:
        """The unit meant by ``name`` (a code, a name in English or Ukrainian, with or without
        its kind, a town's name); ``UA`` or "Ukraine" is the whole country.

        Of the units a town's name fits, the most likely kind for a town is taken when it is
        alone (Kostiantynivka: the urban hromada, not the three villages' rural ones). Raises
        :class:`mapkit.regions.UnknownRegionError` with suggestions when nothing fits, and
        :class:`AmbiguousNameError` when several units fit equally (two Pokrovska urban
        hromadas): naming the oblast too chooses."""
        from mapkit.regions import UnknownRegionError

        found = self.match(name)
        if len(found) == 1:
            return found[0]
        if found:
            raise AmbiguousNameError(name, found, self)
        raise UnknownRegionError(str(name), self.suggest(name) if isinstance(name, str)
                                 and name.strip() else [], level=self)

    def search(self, text: str, limit: int = 10) -> list[Unit]:
        """Units for a search box, best first: those :meth:`resolve` would consider (code,
        name, adjective, town), then names that start with the text, then close spellings."""
        if not isinstance(text, str) or not text.strip():
            return []
        found: list[Unit] = []
        for tier in self._matches(text):
            found += tier
        key = _key(text)
        if self.name != DEFAULT_LEVEL and len(key) >= 2 and len(found) < limit:
            full, adjectives, _ = self._names
            for name in sorted(full):
                if name.startswith(key) or any(w.startswith(key) for w in name.split()):
                    found += [self._by_code[c] for c in full[name]]
                if len(found) >= 4 * limit:
                    break
        if len(found) < limit:
            found += [self._by_code[c] for c in self._close(key, limit)]
        return [u for u in dict.fromkeys(found) if u.code != self.country.code][:limit] or (
            [u for u in dict.fromkeys(found)][:limit])

    def _close(self, key: str, limit: int) -> list[str]:
        """Codes of the units whose name or adjective is spelt closest to ``key``."""
        if self.name == DEFAULT_LEVEL:
            from mapkit.regions import suggest_codes

            return suggest_codes(key, limit)
        full, adjectives, _ = self._names
        pool = {**full, **adjectives}
        codes: list[str] = []
        for match in difflib.get_close_matches(_adjective(key) or key, list(pool), n=limit * 2,
                                               cutoff=0.75):
            codes += pool[match]
        return list(dict.fromkeys(codes))[:limit]

    def suggest(self, name: str, limit: int = 3) -> list[str]:
        """The closest units' labels with codes, best first ("Kupianska Urban Hromada
        (Kharkiv) UA63080090000067457")."""
        if self.name == DEFAULT_LEVEL:
            from mapkit.regions import suggest

            return suggest(name, limit)
        if not isinstance(name, str):
            return []
        return [f"{self.label(self._by_code[c])} {c}" for c in self._close(_key(name), limit)]


def _country_of(key: str) -> Unit | None:
    from mapkit.regions import COUNTRY, find

    if key in ("ua", "ukraine", "україна", "украина"):
        return COUNTRY
    return COUNTRY if find(key) is COUNTRY else None


def _oblast_in(key: str) -> Iterable[tuple[str, str]]:
    """(oblast code, the rest of the text) for each way the text names an oblast in its first
    or last words: "pokrovsk donetsk" → ("UA-14", "pokrovsk")."""
    from mapkit.regions import COUNTRY, find

    words = key.split()
    for n in (3, 2, 1):
        if len(words) <= n:
            continue
        for head, rest in ((words[-n:], words[:-n]), (words[:n], words[n:])):
            region = find(" ".join(head))
            if region is not None and region is not COUNTRY:
                yield region.code, " ".join(rest)


# --- A level's units as a table ------------------------------------------------------------------

#: The columns of :func:`unit_table` (``mapkit regions --format csv|json``): the unit table's,
#: then the names of the oblast and raion a unit lies in.
UNIT_COLUMNS = ("code", "name_en", "name_uk", "kind", "parent", "raion", "area_km2",
                "parent_name", "raion_name")


def unit_table(level: str | Level | None = None) -> list[dict]:
    """A level's units as rows of :data:`UNIT_COLUMNS`: ``parent`` and ``raion`` are ""
    where a unit has none (an oblast; a raion); ``area_km2`` is in our boundaries."""
    level = get_level(level)
    raions = get_level("raion") if level.name == "hromada" else None
    rows = []
    for unit in level.units:
        parent = level.parent_of(unit.code)
        raion = raions.get(unit.raion) if raions is not None and unit.raion else None
        rows.append({"code": unit.code, "name_en": unit.name_en, "name_uk": unit.name_uk,
                     "kind": unit.kind, "parent": unit.parent or "", "raion": unit.raion or "",
                     "area_km2": level.areas_km2[unit.code],
                     "parent_name": parent.name_en if parent is not None else "",
                     "raion_name": raion.name_en if raion is not None else ""})
    return rows


def format_unit_table(rows: list[dict], fmt: str) -> str:
    """:func:`unit_table` as "csv" (areas to 0.1 km²) or "json" (a list of records, null where
    a unit has no parent or raion)."""
    import io
    import json

    if fmt == "json":
        return json.dumps([{k: (None if v == "" else v) for k, v in row.items()} for row in rows],
                          ensure_ascii=False, indent=1) + "\n"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(UNIT_COLUMNS)
    for row in rows:
        writer.writerow([f"{row[c]:.1f}" if c == "area_km2" else row[c] for c in UNIT_COLUMNS])
    return buffer.getvalue()


# --- The levels ----------------------------------------------------------------------------------

#: Columns every unit table has.
TABLE_COLUMNS = ("code", "name_en", "name_uk", "kind", "parent", "area_km2")


def read_unit_table(path: Path, level: str) -> tuple[Unit, ...]:
    """A raion or hromada unit table (CSV), checked at the edge: its columns, one row per
    code, KATOTTG codes, a known oblast as each parent, areas above 0; sorted by code."""
    from mapkit.regions import region_by_code

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise LevelError(f"{path}: the {level} level's unit table cannot be read "
                         f"({error.strerror}); rebuild it with `python "
                         "scripts/build_levels.py`") from None
    rows = list(csv.DictReader(text.splitlines()))
    columns = TABLE_COLUMNS + (("raion",) if level == "hromada" else ())
    missing = [c for c in columns if rows and c not in rows[0]] or ([] if rows else ["rows"])
    if missing:
        raise LevelError(f"{path}: missing {', '.join(missing)}; a unit table has "
                         f"{', '.join(columns)}")
    units, seen = [], set()
    for line, row in enumerate(rows, start=2):
        code = row["code"].strip()
        problem = None
        if not KATOTTG_CODE.fullmatch(code):
            problem = f"code {code!r} is not a KATOTTG code (UA and 17 digits)"
        elif code in seen:
            problem = f"code {code} appears twice"
        try:
            parent = region_by_code(row["parent"].strip()).code
            area = float(row["area_km2"])
            if not area > 0:
                raise ValueError
        except (LookupError, ValueError):
            problem = problem or (f"parent {row['parent']!r} or area_km2 {row['area_km2']!r} "
                                  "is not an oblast's ISO code and a number of km² above 0")
        if problem:
            raise LevelError(f"{path}:{line}: {problem}")
        seen.add(code)
        units.append(Unit(code, row["name_en"].strip(), row["name_uk"].strip(),
                          row["kind"].strip(), parent=parent,
                          raion=(row.get("raion") or "").strip() or None, area_km2=area))
    return tuple(sorted(units, key=lambda u: u.code))


def _oblast_level() -> Level:
    from mapkit.constants import BOUNDARIES_PATH
    from mapkit.regions import REGIONS

    return Level("oblast", REGIONS, BOUNDARIES_PATH, DATA_DIR / "oblasts_index.bin",
                 plural="oblasts", plural_uk="області", noun="regions", noun_uk="регіонів")


def _table_level(name: str, plural: str, plural_uk: str, noun_uk: str,
                 computed_from: str | None = None) -> Level:
    table = DATA_DIR / f"{plural}.csv"
    return Level(name, read_unit_table(table, name), DATA_DIR / f"{plural}.geojson",
                 DATA_DIR / "hromadas_index.bin", table_path=table, plural=plural,
                 plural_uk=plural_uk, noun=plural, noun_uk=noun_uk, credit=OSM_CREDIT,
                 licence=ODBL, licence_url=ODBL_URL, computed_from=computed_from)


_MAKERS = {
    "oblast": _oblast_level,
    "raion": lambda: _table_level("raion", "raions", "райони", "районів",
                                  computed_from="hromada"),
    "hromada": lambda: _table_level("hromada", "hromadas", "громади", "громад"),
}
#: Other ways of writing a level's name.
_ALIASES = {"oblasts": "oblast", "region": "oblast", "regions": "oblast", "raions": "raion",
            "rayon": "raion", "district": "raion", "districts": "raion",
            "hromadas": "hromada", "hromady": "hromada", "community": "hromada",
            "communities": "hromada"}


@functools.cache
def _level(name: str) -> Level:
    return _MAKERS[name]()


def get_level(level: str | Level | None = None) -> Level:
    """The level named ``level`` ("oblast", "raion", "hromada"; a Level is returned as it is;
    None: the default, oblasts), its unit table read once per process."""
    if isinstance(level, Level):
        return level
    name = DEFAULT_LEVEL if level is None else str(level).strip().lower()
    name = _ALIASES.get(name, name)
    if name not in _MAKERS:
        raise LevelError(f"unknown level {level!r}: choose {', '.join(LEVEL_NAMES)}")
    return _level(name)


def level_names(levels: Iterable[str] | str | None) -> tuple[str, ...]:
    """Level names as a command line gives them (``all``, repeated or comma-separated), checked
    and in order coarsest first; none: the default level."""
    if levels is None:
        return (DEFAULT_LEVEL,)
    items = [levels] if isinstance(levels, str) else list(levels)
    names: set[str] = set()
    for item in items:
        for part in str(item).split(","):
            part = part.strip().lower()
            if part == "all":
                names.update(LEVEL_NAMES)
            elif part:
                names.add(get_level(part).name)
    return tuple(n for n in LEVEL_NAMES if n in names) or (DEFAULT_LEVEL,)


def level_of_code(code: str) -> str | None:
    """The first level (coarsest first) whose units include ``code``; None when no level has
    it. ``UA`` is every level's, so it gives the default."""
    for name in LEVEL_NAMES:
        if code in get_level(name):
            return name
    return None
