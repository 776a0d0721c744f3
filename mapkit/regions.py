"""The oblast level's units: Ukraine's 27 first-level regions, and resolving any spelling of
their names to one of them.

:data:`REGIONS` is the oblast level's own definition: everything else reaches the units of a
level through :func:`mapkit.levels.get_level` (``get_level("oblast").units`` are these).

People type region names in many ways: ISO codes, today's official romanisation, Russian-era
spellings from older reporting, Ukrainian or Russian Cyrillic, with or without "oblast".
``resolve`` turns all of them into a :class:`Region`.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from typing import TYPE_CHECKING

from mapkit.levels import Unit

if TYPE_CHECKING:
    from mapkit.levels import Level

#: A first-level administrative unit of Ukraine: a :class:`mapkit.levels.Unit` of the oblast
#: level (code: ISO 3166-2:UA, e.g. "UA-14"; ``official_area_km2``: State Statistics Service
#: of Ukraine; ``kind``: "oblast", "autonomous republic" or "city with special status").
Region = Unit


OBLAST = "oblast"
REPUBLIC = "autonomous republic"
CITY = "city with special status"

#: The 27 regions, sorted by ISO code.
REGIONS: tuple[Region, ...] = (
    Region("UA-05", "Vinnytsia", "Вінницька область", OBLAST, 26513),
    Region("UA-07", "Volyn", "Волинська область", OBLAST, 20144),
    Region("UA-09", "Luhansk", "Луганська область", OBLAST, 26684),
    Region("UA-12", "Dnipropetrovsk", "Дніпропетровська область", OBLAST, 31914),
    Region("UA-14", "Donetsk", "Донецька область", OBLAST, 26517),
    Region("UA-18", "Zhytomyr", "Житомирська область", OBLAST, 29832),
    Region("UA-21", "Zakarpattia", "Закарпатська область", OBLAST, 12777),
    Region("UA-23", "Zaporizhzhia", "Запорізька область", OBLAST, 27180),
    Region("UA-26", "Ivano-Frankivsk", "Івано-Франківська область", OBLAST, 13928),
    Region("UA-30", "Kyiv City", "Київ", CITY, 839),
    Region("UA-32", "Kyiv Oblast", "Київська область", OBLAST, 28131),
    Region("UA-35", "Kirovohrad", "Кіровоградська область", OBLAST, 24588),
    Region("UA-40", "Sevastopol", "Севастополь", CITY, 864),
    Region("UA-43", "Crimea", "Автономна Республіка Крим", REPUBLIC, 26081),
    Region("UA-46", "Lviv", "Львівська область", OBLAST, 21833),
    Region("UA-48", "Mykolaiv", "Миколаївська область", OBLAST, 24598),
    Region("UA-51", "Odesa", "Одеська область", OBLAST, 33310),
    Region("UA-53", "Poltava", "Полтавська область", OBLAST, 28748),
    Region("UA-56", "Rivne", "Рівненська область", OBLAST, 20047),
    Region("UA-59", "Sumy", "Сумська область", OBLAST, 23834),
    Region("UA-61", "Ternopil", "Тернопільська область", OBLAST, 13823),
    Region("UA-63", "Kharkiv", "Харківська область", OBLAST, 31415),
    Region("UA-65", "Kherson", "Херсонська область", OBLAST, 28461),
    Region("UA-68", "Khmelnytskyi", "Хмельницька область", OBLAST, 20645),
    Region("UA-71", "Cherkasy", "Черкаська область", OBLAST, 20900),
    Region("UA-74", "Chernihiv", "Чернігівська область", OBLAST, 31865),
    Region("UA-77", "Chernivtsi", "Чернівецька область", OBLAST, 8097),
)

#: Ukraine as a whole: the row ``UA`` (its ISO 3166-1 code) that every computed snapshot adds
#: to the 27 regions. Its official area includes Crimea and Sevastopol; DeepStateMap divides by
#: it for "% of Ukraine" (docs/methodology.md). Never drawn as a region: maps draw REGIONS.
COUNTRY = Region("UA", "Ukraine", "Україна", "country", 603628)

_BY_CODE = {region.code: region for region in (*REGIONS, COUNTRY)}

# Other names for each region, before normalisation. Official English and Ukrainian names are
# added automatically. A name that means the oblast only when "oblast" is said (Kyiv) is in
# _OBLAST_ONLY instead.
_ALIASES: dict[str, tuple[str, ...]] = {
    "UA-05": ("Vinnytsya", "Vinnitsa", "Vinnitsya", "Vinnytska", "Вінниця", "Винница",
              "Винницкая"),
    "UA-07": ("Volyn'", "Volhynia", "Volynska", "Volhyn", "Волинь", "Волынская", "Волынь"),
    "UA-09": ("Luhans'k", "Lugansk", "Luhanska", "Luganskaya", "Луганськ", "Луганская",
              "Луганск"),
    "UA-12": ("Dnipropetrovs'k", "Dnepropetrovsk", "Dnipropetrovska", "Dnipro",
              "Dnepropetrovskaya", "Дніпро", "Днепропетровская", "Днепропетровск",
              "Дніпропетровськ"),
    "UA-14": ("Donets'k", "Donetska", "Donetskaya", "Донецьк", "Донецкая", "Донецк"),
    "UA-18": ("Zhitomir", "Zhytomyrska", "Житомир", "Житомирская"),
    "UA-21": ("Transcarpathia", "Zakarpattya", "Zakarpatska", "Zakarpatye", "Zakarpattia",
              "Zakarpatskaya", "Закарпаття", "Закарпатская"),
    "UA-23": ("Zaporizhzhya", "Zaporozhye", "Zaporozh'ye", "Zaporizhia", "Zaporizka",
              "Zaporozhskaya", "Запоріжжя", "Запорожская", "Запорожье"),
    "UA-26": ("Ivano-Frankivs'k", "Ivano-Frankovsk", "Ivano-Frankivska", "Stanislav",
              "Івано-Франківськ", "Ивано-Франковская"),
    "UA-30": ("Kyiv", "Kiev", "Kiev City", "Kyiv City", "Kyiv (city)", "City of Kyiv",
              "м. Київ", "місто Київ", "Київ", "Киев", "город Киев"),
    "UA-35": ("Kirovograd", "Kirovohradska", "Kropyvnytskyi", "Kirovogradskaya",
              "Кропивницький", "Кировоградская", "Kirovohrads'ka"),
    "UA-40": ("Sevastopol City", "Sebastopol", "Sevastopol'", "м. Севастополь",
              "Севастополь"),
    "UA-43": ("Autonomous Republic of Crimea", "Krym", "Crimean Republic",
              "Avtonomna Respublika Krym", "Крим", "АР Крим", "Крым", "Республика Крым"),
    "UA-46": ("L'viv", "Lvov", "Lwow", "Lvivska", "Lvovskaya", "Львів", "Львовская"),
    "UA-48": ("Mykolayiv", "Nikolaev", "Nikolayev", "Mykolaivska", "Nikolaevskaya",
              "Миколаїв", "Николаевская", "Николаев"),
    "UA-51": ("Odessa", "Odeska", "Odesskaya", "Одеса", "Одесская", "Одесса"),
    "UA-53": ("Poltavska", "Poltavskaya", "Полтава", "Полтавская"),
    "UA-56": ("Rovno", "Rivnenska", "Rovenskaya", "Рівне", "Ровенская"),
    "UA-59": ("Sumska", "Sumskaya", "Суми", "Сумская"),
    "UA-61": ("Ternopil'", "Ternopol", "Ternopilska", "Ternopolskaya", "Тернопіль",
              "Тернопольская"),
    "UA-63": ("Kharkov", "Kharkivska", "Kharkovskaya", "Харків", "Харьковская", "Харьков"),
    "UA-65": ("Khersonska", "Khersonskaya", "Херсон", "Херсонская"),
    "UA-68": ("Khmel'nyts'kyy", "Khmelnytskyy", "Khmelnitsky", "Khmelnitskiy",
              "Khmelnytskyi", "Khmelnytska", "Khmelnitskaya", "Proskurov", "Хмельницький",
              "Хмельницкая"),
    "UA-71": ("Cherkassy", "Cherkaska", "Cherkasskaya", "Черкаси", "Черкасская"),
    "UA-74": ("Chernigov", "Chernihivska", "Chernigovskaya", "Чернігів", "Черниговская"),
    "UA-77": ("Chernovtsy", "Chernivetska", "Chernovitskaya", "Bukovina", "Чернівці",
              "Черновицкая"),
    "UA": ("Ukraine", "Україна", "Украина", "whole country", "all of Ukraine"),
}

# Names that mean Kyiv Oblast only when "oblast" (or a regional adjective) is part of them.
_OBLAST_ONLY: dict[str, str] = {"kyiv": "UA-32", "kiev": "UA-32", "київ": "UA-32", "киев": "UA-32"}
_KYIV_OBLAST_ALIASES = ("Kyivska", "Kievskaya", "Kyivs'ka", "Kiev Oblast", "Kyiv Oblast",
                        "Kyiv Region", "Київська", "Киевская")

# Words that only say "this is a region"; dropped before looking a name up.
_REGION_WORDS = {
    "oblast", "oblast'", "oblasti", "region", "province", "obl", "область", "обл", "oblast’",
}
_CITY_WORDS = {"city", "misto", "місто", "м", "город", "г", "of"}
_APOSTROPHES = "'’ʼ`´‘ʹ"


_DROP_APOSTROPHES = {ord(c): None for c in _APOSTROPHES}
_SEPARATORS = re.compile(r"[\s\-–—_.,()]+")


def normalise(name: str) -> str:
    """Lower case, accents and apostrophes dropped, hyphens and spaces folded to one space."""
    if name.isascii():  # no accents to drop, nothing NFKC changes
        text = name.lower()
    else:
        text = unicodedata.normalize("NFKC", name).strip().lower()
        # Strip Latin accents (é → e) but keep Cyrillic letters such as й, ї intact.
        decomposed = unicodedata.normalize("NFD", text)
        kept = []
        for char in decomposed:
            if unicodedata.combining(char) and kept and kept[-1].isascii():
                continue
            kept.append(char)
        text = unicodedata.normalize("NFC", "".join(kept))
    text = text.translate(_DROP_APOSTROPHES)
    return _SEPARATORS.sub(" ", text).strip()


def _split_region_words(key: str) -> tuple[str, bool]:
    """Drop "oblast"-like words; say whether any were there."""
    words = key.split()
    kept = [w for w in words if w not in _REGION_WORDS]
    return " ".join(kept), len(kept) != len(words)


@functools.cache
def _spellings() -> dict[str, str]:
    """Every known spelling, normalised → its ISO code. Built on the first name that is not a
    code (snapshot files and ``mapkit compute`` give codes, and never need it)."""
    index: dict[str, str] = {}
    for region in (*REGIONS, COUNTRY):
        names = [region.code, region.code.replace("-", ""), region.name_en, region.name_uk]
        names += _ALIASES.get(region.code, ())
        if region.code == "UA-32":
            names += _KYIV_OBLAST_ALIASES
        for name in names:
            key, _ = _split_region_words(normalise(name))
            index.setdefault(key, region.code)
    return index


class UnknownRegionError(LookupError):
    """A name that matches no unit of a level (default: the 27 regions); carries the closest
    known names."""

    def __init__(self, name: str, suggestions: list[str], level: Level | None = None):
        self.name = name
        self.suggestions = suggestions
        self.level = level
        super().__init__(unknown_region_message(name, suggestions, level))


def unknown_region_message(name: str, suggestions: list[str],
                           level: Level | None = None) -> str:
    """What :class:`UnknownRegionError` says: the name, the closest names, where to look."""
    hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
    if level is None or level.name == "oblast":
        return f"unknown region {name!r}.{hint} Run `mapkit regions` to list all 27."
    return (f"unknown {level.name} {name!r}.{hint} Run `mapkit regions --level {level.name}` "
            f"to list all {len(level.units):,}.")


def region_by_code(code: str) -> Region:
    """The region with ISO 3166-2 ``code`` (exact, e.g. "UA-14"), or :data:`COUNTRY` for
    "UA"."""
    try:
        return _BY_CODE[code]
    except KeyError:
        raise UnknownRegionError(code, suggest(code)) from None


def suggest_codes(name: str, limit: int = 3) -> list[str]:
    """Codes of the regions whose spellings are closest to ``name``, best first."""
    key, _ = _split_region_words(normalise(name))
    matches = difflib.get_close_matches(key, list(_spellings()), n=limit * 4, cutoff=0.6)
    return list(dict.fromkeys(_spellings()[match] for match in matches))[:limit]


def suggest(name: str, limit: int = 3) -> list[str]:
    """Closest region names (English, with code) to ``name``, best first."""
    return [f"{_BY_CODE[code].name_en} ({code})" for code in suggest_codes(name, limit)]


def resolve(name: str) -> Region:
    """The region meant by ``name``: an ISO code or any common spelling, in any case.

    "Kyiv"/"Kiev" alone is the city (as ISO 3166-2 names UA-30); "Kyiv Oblast" is the oblast.
    "UA" (or "Ukraine") is the whole country, :data:`COUNTRY`.
    Raises :class:`UnknownRegionError` with suggestions when nothing matches.
    """
    region = find(name)
    if region is None:
        raise UnknownRegionError(str(name), suggest(name) if isinstance(name, str)
                                 and name.strip() else [])
    return region


def find(name: str) -> Region | None:
    """The region :func:`resolve` gives for ``name``, or None: no suggestions looked for, no
    exception raised (a validator meets a million made-up names in a big bad file)."""
    if name in _BY_CODE:  # the common case in snapshot files: already an ISO code
        return _BY_CODE[name]
    if not isinstance(name, str) or not name.strip():
        return None
    normalised = normalise(name)
    key, said_oblast = _split_region_words(normalised)
    if said_oblast and key in _OBLAST_ONLY:
        return _BY_CODE[_OBLAST_ONLY[key]]
    spellings = _spellings()
    if key in spellings:
        return _BY_CODE[spellings[key]]
    without_city = " ".join(w for w in key.split() if w not in _CITY_WORDS)
    return _BY_CODE.get(spellings.get(without_city))


@functools.cache
def boundary_areas_km2() -> dict[str, float]:
    """Each region's area in our boundaries (``data/oblasts.geojson``, WGS 84 ellipsoid), and
    the country's as their sum: the area a computed percentage is of.

    Reads only the features' flat ``properties`` objects (a millisecond, instead of parsing
    half a megabyte of coordinates): the snapshot validator needs the areas, and
    ``mapkit compute`` validates every row it writes."""
    import orjson

    from mapkit.constants import BOUNDARIES_PATH

    data = BOUNDARIES_PATH.read_bytes()
    found = [orjson.loads(text) for text in re.findall(rb'"properties":\s*(\{[^{}]*\})', data)]
    if len(found) != len(REGIONS):  # another layout: read the whole file
        found = [feature["properties"] for feature in orjson.loads(data)["features"]]
    areas = {item["code"]: float(item["area_km2"]) for item in found}
    areas[COUNTRY.code] = round(sum(areas[region.code] for region in REGIONS), 1)
    return areas
