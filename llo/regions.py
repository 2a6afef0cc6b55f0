"""The Dutch labour-market regions (arbeidsmarktregio's) a delivery can come from.

A region is identified everywhere by its slug (the landing folder name and the Dagster partition key);
the display name is what regions type in their files. Names are matched case- and accent-insensitively.
"""

from __future__ import annotations

from llo.text import normalise

# The 35 labour-market regions, plus Zuid-Holland Zuid (the name still used for Drechtsteden/Gorinchem).
REGION_NAMES: tuple[str, ...] = (
    "Groningen", "Fryslân", "Drenthe", "Regio Zwolle", "Twente", "Stedendriehoek en Noordwest Veluwe",
    "Achterhoek", "Midden-Gelderland", "Food Valley", "Rijk van Nijmegen", "Rivierenland", "Amersfoort",
    "Midden-Utrecht", "Gooi en Vechtstreek", "Zaanstreek/Waterland", "Groot Amsterdam",
    "Zuid-Kennemerland en IJmond", "Noord-Holland Noord", "Flevoland", "Holland Rijnland", "Haaglanden",
    "Midden-Holland", "Rijnmond", "Drechtsteden", "Gorinchem", "Zuid-Holland Zuid", "Zuid-Holland Centraal",
    "Zeeland", "West-Brabant", "Midden-Brabant", "Noordoost-Brabant", "Zuidoost-Brabant", "Helmond-De Peel",
    "Noord-Limburg", "Midden-Limburg", "Zuid-Limburg",
)

# Spellings seen in practice that differ from the official name by more than case, accents or spaces.
_ALIASES = {"friesland": "Fryslân", "zwolle": "Regio Zwolle", "amsterdam": "Groot Amsterdam",
            "zuidoost brabant": "Zuidoost-Brabant", "regio twente": "Twente"}


def slugify(text: str) -> str:
    """'Zuidoost-Brabant' -> 'zuidoost-brabant', 'Fryslân' -> 'fryslan'."""
    return normalise(text).replace(" ", "-")


# The two pilot regions of the programme (NGF award 2022); every other region is part of the scale-up (award 2025).
PILOTS: tuple[str, ...] = ("twente", "zuidoost-brabant")
PILOT, SCALE_UP = "pilotregio", "opschalingsregio"


def phase(slug: str) -> str:
    """pilotregio or opschalingsregio: the programme phase a region joined in."""
    return PILOT if slug in PILOTS else SCALE_UP


REGIONS: dict[str, str] = {slugify(name): name for name in REGION_NAMES}
_LOOKUP = {**{slug: slug for slug in REGIONS},
           **{slugify(alias): slugify(name) for alias, name in _ALIASES.items()}}


def region_slug(text: str) -> str | None:
    """The slug of a region named in any usual spelling, or None when it is no known region."""
    slug = slugify(text)
    return _LOOKUP.get(slug) or _LOOKUP.get(slug.removeprefix("regio-"))


def region_name(slug: str) -> str:
    return REGIONS[slug]
