"""The shipped instrument content (``data/*.json``), loaded once as versioned data.

Each ``milestones-v<N>.json`` file holds instruments at version N. A new file adds
versions without touching old screenings, which keep pointing at
``(instrument_code, instrument_version)``; the current version of an instrument is
the highest one shipped. The risk-factor catalog and the interaction observation
are versioned the same way (``risk-factors-v<N>.json``,
``attachment-observation-v<N>.json``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Item:
    id: str
    domain: str
    text: str


@dataclass(frozen=True)
class Instrument:
    code: str
    version: int
    title: str
    target_age_months: int
    window_min: int
    window_max: int
    items: tuple[Item, ...]
    # Language → item id → text: translations of this same version (``*.es.json``).
    translations: dict[str, dict[str, str]] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def item_text(self, item: Item, language: str | None) -> str:
        """The item's text in ``language`` when this version has it, else the original."""
        return self.translations.get(language or "", {}).get(item.id, item.text)

    @property
    def window_months(self) -> tuple[int, int]:
        return (self.window_min, self.window_max)

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.items)

    @property
    def domains(self) -> tuple[str, ...]:
        """The instrument's domains, in the order its items first name them."""
        return tuple(dict.fromkeys(item.domain for item in self.items))

    def labels_by_id(self) -> dict[str, str]:
        """Item id → its text (names a row in a form's error summary)."""
        return {item.id: item.text for item in self.items}

    def items_by_domain(self) -> dict[str, list[Item]]:
        grouped: dict[str, list[Item]] = {}
        for item in self.items:
            grouped.setdefault(item.domain, []).append(item)
        return grouped

    def domain_of(self, item_id: str) -> str:
        for item in self.items:
            if item.id == item_id:
                return item.domain
        raise KeyError(item_id)


@dataclass(frozen=True)
class RiskFactorEntry:
    code: str
    category: str
    applies_to: str  # "child" or "caregiver"
    label: str


@dataclass(frozen=True)
class ObservationCue:
    id: str
    label: str
    attuned: str


@dataclass(frozen=True)
class ObservationInstrument:
    version: int
    cues: tuple[ObservationCue, ...]
    ratings: dict[str, str]  # rating value → label, in the order to offer them

    @property
    def cue_ids(self) -> tuple[str, ...]:
        return tuple(cue.id for cue in self.cues)

    def cue_labels(self) -> dict[str, str]:
        return {cue.id: cue.label for cue in self.cues}


def _versioned_files(stem: str) -> dict[int, dict]:
    """Version → parsed content of every ``<stem>-v<N>.json`` in data/."""
    found: dict[int, dict] = {}
    pattern = re.compile(rf"{re.escape(stem)}-v(\d+)\.json")
    for path in DATA_DIR.glob(f"{stem}-v*.json"):
        match = pattern.fullmatch(path.name)
        if match is None:
            continue
        content = json.loads(path.read_text(encoding="utf-8"))
        version = int(match.group(1))
        if content.get("version", version) != version:
            raise ValueError(f"{path.name} says version {content['version']}")
        found[version] = content
    if not found:
        raise FileNotFoundError(f"no {stem}-v*.json in {DATA_DIR}")
    return dict(sorted(found.items()))


def _translation_files(stem: str) -> list[tuple[int, str, dict]]:
    """(version, language, content) of every ``<stem>-v<N>.<language>.json`` in data/."""
    found = []
    pattern = re.compile(rf"{re.escape(stem)}-v(\d+)\.([a-z]{{2}})\.json")
    for path in sorted(DATA_DIR.glob(f"{stem}-v*.*.json")):
        match = pattern.fullmatch(path.name)
        if match is not None:
            found.append((int(match.group(1)), match.group(2), json.loads(path.read_text(encoding="utf-8"))))
    return found


@dataclass(frozen=True)
class _Milestones:
    by_key: dict[tuple[str, int], Instrument]
    current: tuple[Instrument, ...]
    domain_labels: dict[str, str]


@lru_cache(maxsize=1)
def _milestones() -> _Milestones:
    by_key: dict[tuple[str, int], Instrument] = {}
    labels: dict[str, str] = {}
    for version, content in _versioned_files("milestones").items():
        labels.update(content.get("domains", {}))
        for raw in content["instruments"]:
            window_min, window_max = raw["window_months"]
            by_key[(raw["code"], version)] = Instrument(
                code=raw["code"],
                version=version,
                title=raw["title"],
                target_age_months=raw["target_age_months"],
                window_min=window_min,
                window_max=window_max,
                items=tuple(Item(id=i["id"], domain=i["domain"], text=i["text"]) for i in raw["items"]),
            )
    for version, language, content in _translation_files("milestones"):
        for (_code, of_version), instrument in by_key.items():
            if of_version == version:
                texts = {i.id: content["items"][i.id] for i in instrument.items if i.id in content["items"]}
                instrument.translations[language] = texts
    newest: dict[str, Instrument] = {}
    for (code, version), instrument in by_key.items():
        if code not in newest or version > newest[code].version:
            newest[code] = instrument
    current = tuple(sorted(newest.values(), key=lambda i: (i.target_age_months, i.window_min, i.code)))
    return _Milestones(by_key=by_key, current=current, domain_labels=labels)


def instruments() -> list[Instrument]:
    """The current version of every instrument, ordered by target age."""
    return list(_milestones().current)


def get_instrument(code: str, version: int | None = None) -> Instrument:
    """One instrument; the current version unless ``version`` is given. KeyError if unknown."""
    if version is None:
        for instrument in _milestones().current:
            if instrument.code == code:
                return instrument
        raise KeyError(code)
    return _milestones().by_key[(code, version)]


def domain_labels() -> dict[str, str]:
    """Domain code → label (a later version's wording wins)."""
    return dict(_milestones().domain_labels)


@dataclass(frozen=True)
class _Catalog:
    version: int
    entries: tuple[RiskFactorEntry, ...]
    categories: dict[str, str]
    by_version: dict[int, dict[str, RiskFactorEntry]]


@lru_cache(maxsize=1)
def _catalog() -> _Catalog:
    by_version: dict[int, dict[str, RiskFactorEntry]] = {}
    categories: dict[str, str] = {}
    for version, content in _versioned_files("risk-factors").items():
        categories.update(content.get("categories", {}))
        by_version[version] = {
            raw["code"]: RiskFactorEntry(
                code=raw["code"], category=raw["category"], applies_to=raw["applies_to"], label=raw["label"]
            )
            for raw in content["risk_factors"]
        }
    version = max(by_version)
    return _Catalog(
        version=version,
        entries=tuple(by_version[version].values()),
        categories=categories,
        by_version=by_version,
    )


def risk_factor_catalog() -> list[RiskFactorEntry]:
    """The current catalog, in the order the program's guidance lists it."""
    return list(_catalog().entries)


def get_risk_factor(code: str, version: int | None = None) -> RiskFactorEntry:
    """One catalog entry (current catalog unless ``version``); KeyError if unknown."""
    catalog = _catalog()
    return catalog.by_version[catalog.version if version is None else version][code]


def risk_factor_category_of_codes() -> dict[str, str]:
    """Code → category for every code of every catalog version (a later one wins),
    so a risk factor noted under an old catalog still has its category."""
    categories: dict[str, str] = {}
    for entries in _catalog().by_version.values():
        categories.update({code: entry.category for code, entry in entries.items()})
    return categories


def catalog_version() -> int:
    return _catalog().version


def risk_factor_categories() -> dict[str, str]:
    return dict(_catalog().categories)


@lru_cache(maxsize=1)
def _observations() -> dict[int, ObservationInstrument]:
    return {
        version: ObservationInstrument(
            version=version,
            cues=tuple(ObservationCue(id=c["id"], label=c["label"], attuned=c["attuned"]) for c in content["cues"]),
            ratings=dict(content["ratings"]),
        )
        for version, content in _versioned_files("attachment-observation").items()
    }


def observation_instrument(version: int | None = None) -> ObservationInstrument:
    """The caregiver–child interaction observation (current version unless given)."""
    observations = _observations()
    return observations[max(observations) if version is None else version]


# The labels staff read on pages, by kind: where a language's ``*.<language>.json``
# file (a translation of the same version) holds them, as (file stem, section).
LABEL_SOURCES = {
    "risk_factor": ("risk-factors", "labels"),
    "risk_factor_category": ("risk-factors", "categories"),
    "checklist_title": ("milestones", "titles"),
    "domain": ("milestones", "domains"),
    "cue": ("attachment-observation", "cues"),
    "cue_attuned": ("attachment-observation", "attuned"),
    "rating": ("attachment-observation", "ratings"),
}


@lru_cache(maxsize=1)
def _english_labels() -> dict[str, dict[str, str]]:
    """Kind → key → the English label of the shipped data (a later version's wording wins)."""
    risk_factors: dict[str, str] = {}
    for entries in _catalog().by_version.values():
        risk_factors.update({code: entry.label for code, entry in entries.items()})
    titles = {code: instrument.title for (code, _version), instrument in sorted(_milestones().by_key.items())}
    cues: dict[str, str] = {}
    attuned: dict[str, str] = {}
    ratings: dict[str, str] = {}
    for observation in _observations().values():
        cues.update(observation.cue_labels())
        attuned.update({cue.id: cue.attuned for cue in observation.cues})
        ratings.update(observation.ratings)
    return {
        "risk_factor": risk_factors,
        "risk_factor_category": risk_factor_categories(),
        "checklist_title": titles,
        "domain": domain_labels(),
        "cue": cues,
        "cue_attuned": attuned,
        "rating": ratings,
    }


@lru_cache(maxsize=8)
def _translated_labels(language: str | None) -> dict[str, dict[str, str]]:
    """Kind → key → label, only what ``language``'s files give (a later version wins)."""
    found: dict[str, dict[str, str]] = {kind: {} for kind in LABEL_SOURCES}
    for kind, (stem, section) in LABEL_SOURCES.items():
        for _version, found_language, content in sorted(_translation_files(stem), key=lambda entry: entry[0]):
            if found_language == language:
                found[kind].update(content.get(section, {}))
    return found


def labels_in(kind: str, language: str | None) -> dict[str, str]:
    """Key → label of one kind (see ``LABEL_SOURCES``) in ``language``, in the English
    order, with the English label where that language has none. The English API of
    this module (``.label``, ``.title``, ``domain_labels()``…) stays English: the API,
    the referral summary and the program report rely on it."""
    return {**_english_labels()[kind], **_translated_labels(language)[kind]}


def label_in(kind: str, key: str, language: str | None, english: str | None = None) -> str:
    """One label of a kind in ``language``; where that language has none, ``english``
    when given (a versioned wording), else the English label, else the key itself."""
    translated = _translated_labels(language)[kind].get(key)
    if translated is not None:
        return translated
    return english if english is not None else _english_labels()[kind].get(key, key)
