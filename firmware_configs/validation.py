"""Validate config files, one by one and as a store: each finding names a file, a line and a field.

Per file: YAML syntax, duplicate keys, features excluded by design, and the pydantic
schema (unknown keys, wrong types, out-of-range values). Across files: duplicate device
ids, duplicate beacon identities, references to unknown stores and zones.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import yaml
from pydantic import BaseModel, ValidationError

from firmware_configs.not_supported import not_supported_reason
from firmware_configs.schemas import MODELS, StoreConfig
from firmware_configs.yamlsource import YamlDocument, YamlSyntaxError, duplicate_keys, load

_SUFFIXES: Final = (".yaml", ".yml")
_STORE_FILES: Final = ("store.yaml", "store.yml")
_STORE_SEARCH_DEPTH: Final = 3  # a device file sits at most a few folders below store.yaml

Loc = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Finding:
    """One mistake: ``file:line: field: message``."""

    path: Path
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.field}: {self.message}"


@dataclass(frozen=True, slots=True)
class LoadedConfig:
    """A file whose schema validated, with its source for line look-ups."""

    doc: YamlDocument
    model: BaseModel


@dataclass(slots=True)
class Report:
    """What validating a set of files found."""

    files: list[Path] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    configs: list[LoadedConfig] = field(default_factory=list)
    docs: list[YamlDocument] = field(default_factory=list)

    def findings_for(self, path: Path) -> list[Finding]:
        """The findings about one file, by line."""
        return sorted((f for f in self.findings if f.path == path), key=lambda f: f.line)

    def add(self, doc: YamlDocument, loc: Loc, message: str) -> None:
        self.findings.append(Finding(doc.path, doc.line_of(loc), _dotted(loc), message))

    @property
    def ok(self) -> bool:
        return not self.findings


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files named, and the YAML files under folders named, in a stable order."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.suffix in _SUFFIXES))
        else:
            out.append(path)
    return list(dict.fromkeys(out))


def validate_paths(paths: Sequence[Path]) -> Report:
    """Validate every file (folders are searched for YAML) and the store they make up.

    When no store config is among them, a ``store.yaml`` beside or above the files is
    read so that zone references can still be checked."""
    report = Report(files=expand(paths))
    for path in report.files:
        _validate_file(path, report)
    stores = [c for c in report.configs if isinstance(c.model, StoreConfig)]
    if not stores:
        extra = _find_store_file(report.files)
        if extra is not None:
            side = Report(files=[extra])
            _validate_file(extra, side)
            stores = [c for c in side.configs if isinstance(c.model, StoreConfig)]
    _cross_check(report, stores)
    return report


def _find_store_file(files: Sequence[Path]) -> Path | None:
    for path in files:
        folder = path.resolve().parent
        for _ in range(_STORE_SEARCH_DEPTH):
            for name in _STORE_FILES:
                if (folder / name).is_file():
                    return folder / name
            folder = folder.parent
    return None


# --- one file --------------------------------------------------------------------------


def _validate_file(path: Path, report: Report) -> None:
    if not path.exists():
        report.findings.append(Finding(path, 1, "file", "no such file"))
        return
    try:
        doc = load(path)
    except YamlSyntaxError as exc:
        report.findings.append(Finding(path, exc.line, "yaml", exc.message))
        return
    findings: list[Finding] = [
        Finding(path, d.line, _dotted(d.loc), "key given twice; remove one")
        for d in duplicate_keys(doc)
    ]
    report.docs.append(doc)
    excluded = _not_supported(doc, findings)
    model = _validate_schema(doc, excluded, findings)
    report.findings.extend(findings)
    if model is not None and not findings:
        report.configs.append(LoadedConfig(doc, model))


def _not_supported(doc: YamlDocument, findings: list[Finding]) -> set[Loc]:
    locs: set[Loc] = set()
    for loc, value, key in doc.walk():
        words = [str(loc[-1])] if key is not None else []
        if isinstance(value, yaml.ScalarNode) and isinstance(value.value, str):
            words.append(value.value)
        for word in words:
            reason = not_supported_reason(word)
            if reason is not None:
                line = (key or value).start_mark.line + 1
                findings.append(Finding(doc.path, line, _dotted(loc), f"{reason}; remove it"))
                locs.add(loc)
                break
    return locs


def _validate_schema(
    doc: YamlDocument, excluded: set[Loc], findings: list[Finding]
) -> BaseModel | None:
    data = doc.data
    assert isinstance(data, dict)  # noqa: S101  # load() accepts only mappings
    kind = data.get("kind")
    model_cls = MODELS.get(kind) if isinstance(kind, str) else None
    if model_cls is None:
        where = ("kind",) if "kind" in data else ()
        choices = ", ".join(MODELS)
        msg = (
            f"unknown kind {kind!r}; one of {choices}"
            if kind is not None
            else f"required key missing; one of {choices}"
        )
        findings.append(Finding(doc.path, doc.line_of(where), "kind", msg))
        return None
    try:
        return model_cls.model_validate(data)
    except ValidationError as exc:
        findings.extend(_schema_findings(doc, model_cls, exc, excluded))
        return None


def _schema_findings(
    doc: YamlDocument, model_cls: type[BaseModel], exc: ValidationError, excluded: set[Loc]
) -> list[Finding]:
    merged: dict[Loc, list[str]] = {}
    for err in exc.errors(include_url=False):
        loc: Loc = tuple(err["loc"])
        kind = err["type"]
        if kind != "missing":
            loc = _present_prefix(doc.data, loc)
        if any(loc[: len(x)] == x for x in excluded):
            continue  # already reported with the by-design sentence
        merged.setdefault(loc, [])
        msg = _message(model_cls, loc, kind, err["msg"])
        if msg not in merged[loc]:
            merged[loc].append(msg)
    return [
        Finding(doc.path, doc.line_of(loc), _dotted(loc) or "config", " or ".join(msgs))
        for loc, msgs in merged.items()
    ]


def _present_prefix(data: object, loc: Loc) -> Loc:
    """The longest start of ``loc`` that exists in the data (drops pydantic's union tags)."""
    for n in range(len(loc), 0, -1):
        if _at(data, loc[:n]) is not _MISSING:
            return loc[:n]
    return ()


_MISSING: Final = object()


def _at(data: object, loc: Loc) -> object:
    """The raw YAML value at ``loc``, or ``_MISSING``."""
    node = data
    for part in loc:
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if not (in_dict or in_list):
            return _MISSING
        node = node[part]  # type: ignore[index]
    return node


def _message(model_cls: type[BaseModel], loc: Loc, kind: str, msg: str) -> str:
    if kind == "extra_forbidden":
        known = _fields_at(model_cls, loc[:-1])
        guess = difflib.get_close_matches(str(loc[-1]), known, n=1)
        hint = f"; did you mean {guess[0]!r}?" if guess else f"; known keys: {', '.join(known)}"
        return f"unknown key{hint}"
    if kind == "missing":
        return "required key missing"
    msg = msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return msg[:1].lower() + msg[1:]


def _fields_at(model_cls: type[BaseModel], loc: Loc) -> list[str]:
    """Field names of the model found at ``loc`` below ``model_cls`` (empty if none)."""
    target: object = model_cls
    for part in loc:
        if isinstance(part, int):
            continue
        model = _model_in(target)
        if model is None or part not in model.model_fields:
            return []
        target = model.model_fields[part].annotation
    model = _model_in(target)
    return list(model.model_fields) if model is not None else []


def _model_in(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (list, typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


def _dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# --- across files ----------------------------------------------------------------------


def _text(data: object, *loc: str | int) -> str | None:
    """The string at ``loc`` in raw YAML data, if there is one: cross-file checks run on
    files whose schema failed too, so that every mistake is reported in one go."""
    value = _at(data, loc)
    return value if isinstance(value, str) else None


def _cross_check(report: Report, stores: list[LoadedConfig]) -> None:
    known: dict[str, StoreConfig] = {}
    for loaded in stores:
        assert isinstance(loaded.model, StoreConfig)  # noqa: S101  # filtered by the caller
        known.setdefault(loaded.model.id, loaded.model)
    seen = _Seen()
    for doc in report.docs:
        data = doc.data
        kind = _text(data, "kind")
        if kind == "store":
            _check_store_file(doc, seen, report)
            continue
        store_id = _text(data, "store")
        if store_id is not None and known and store_id not in known:
            names = ", ".join(sorted(known))
            report.add(doc, ("store",), f"unknown store {store_id!r} (known: {names})")
        store = known.get(store_id) if store_id is not None else None
        if kind == "hub" and store_id is not None:
            seen.once(
                table=seen.hubs,
                key=store_id,
                doc=doc,
                loc=("store",),
                what="a second hub for store",
                report=report,
            )
        elif kind in ("kiosk", "gateway"):
            _check_device(
                doc, id_loc=("id",), zone_loc=("zone",), store=store, seen=seen, report=report
            )
        elif kind == "beacons":
            beacons = data.get("beacons") if isinstance(data, dict) else None
            for i in range(len(beacons) if isinstance(beacons, list) else 0):
                _check_device(
                    doc,
                    id_loc=("beacons", i, "id"),
                    zone_loc=("beacons", i, "zone"),
                    store=store,
                    seen=seen,
                    report=report,
                )
                _check_beacon_frames(doc, i, seen, report)


@dataclass(slots=True)
class _Seen:
    """Where each id was first seen, for 'duplicate ... (first at file:line)'."""

    devices: dict[str, tuple[Path, int]] = field(default_factory=dict)
    frames: dict[str, tuple[Path, int]] = field(default_factory=dict)
    hubs: dict[str, tuple[Path, int]] = field(default_factory=dict)
    stores: dict[str, tuple[Path, int]] = field(default_factory=dict)

    def once(
        self,
        *,
        table: dict[str, tuple[Path, int]],
        key: str,
        doc: YamlDocument,
        loc: Loc,
        what: str,
        report: Report,
    ) -> None:
        line = doc.line_of(loc)
        if key in table:
            path, first = table[key]
            report.add(doc, loc, f"{what} {key!r} (first at {path}:{first})")
        else:
            table[key] = (doc.path, line)


def _check_store_file(doc: YamlDocument, seen: _Seen, report: Report) -> None:
    store_id = _text(doc.data, "id")
    if store_id is not None:
        seen.once(
            table=seen.stores,
            key=store_id,
            doc=doc,
            loc=("id",),
            what="store given twice:",
            report=report,
        )
    zones = doc.data.get("zones") if isinstance(doc.data, dict) else None
    ids: dict[str, tuple[Path, int]] = {}
    for i in range(len(zones) if isinstance(zones, list) else 0):
        zone_id = _text(doc.data, "zones", i, "id")
        if zone_id is not None:
            seen.once(
                table=ids,
                key=zone_id,
                doc=doc,
                loc=("zones", i, "id"),
                what="duplicate zone id",
                report=report,
            )


def _check_device(
    doc: YamlDocument,
    *,
    id_loc: Loc,
    zone_loc: Loc,
    store: StoreConfig | None,
    seen: _Seen,
    report: Report,
) -> None:
    device_id = _text(doc.data, *id_loc)
    if device_id is not None:
        seen.once(
            table=seen.devices,
            key=device_id,
            doc=doc,
            loc=id_loc,
            what="duplicate device id",
            report=report,
        )
    zone = _text(doc.data, *zone_loc)
    if zone is None or store is None:
        return
    zones = [z.id for z in store.zones]
    if zone not in zones:
        guess = difflib.get_close_matches(zone, zones, n=1)
        hint = (
            f"did you mean {guess[0]!r}?"
            if guess
            else f"store {store.id!r} has: {', '.join(zones)}"
        )
        report.add(doc, zone_loc, f"unknown zone {zone!r}; {hint}")


def _check_beacon_frames(doc: YamlDocument, i: int, seen: _Seen, report: Report) -> None:
    data = doc.data
    uuid, major, minor = (
        _at(data, ("beacons", i, "ibeacon", k)) for k in ("uuid", "major", "minor")
    )
    if _MISSING not in (uuid, major, minor):
        key = f"{uuid}/{major}/{minor}"
        loc: Loc = ("beacons", i, "ibeacon")
        seen.once(
            table=seen.frames,
            key=key,
            doc=doc,
            loc=loc,
            what="the same iBeacon uuid/major/minor",
            report=report,
        )
    namespace = _text(data, "beacons", i, "eddystone", "namespace")
    instance = _text(data, "beacons", i, "eddystone", "instance")
    if namespace is not None and instance is not None:
        key = f"{namespace}/{instance}"
        loc = ("beacons", i, "eddystone")
        seen.once(
            table=seen.frames,
            key=key,
            doc=doc,
            loc=loc,
            what="the same Eddystone namespace/instance",
            report=report,
        )
