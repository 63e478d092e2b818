"""Settings: :class:`ScanParams` (one block per stage), checked on reading, and config files.

A config holds blocks of :class:`ScanParams` (``relate``,
``lsh``, ``semantic_index``...) in JSON or TOML; settings left out keep their
defaults, unknown ones are an error. A top-level ``calibration`` block (what
``calibrate`` measured) is information only and is not read as a setting.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, fields, is_dataclass, replace
from pathlib import Path

import orjson

from reprints.align import AlignParams
from reprints.align_semantic import SemanticParams
from reprints.candidates import LSHParams, SemanticIndexParams
from reprints.relate import RelateParams
from reprints.sketch import SketchParams

__all__ = ["ScanParams", "params_to_dict", "params_from_dict", "read_config", "write_config"]

@dataclass(frozen=True, slots=True)
class ScanParams:
    """All settings of a scan, one block per stage; the defaults are documented there.

    ``batch``: documents sketched together (vectorised). ``jobs``: worker
    processes that sketch batches while this process reads the input, then
    align the candidate pairs (0: one per core; 1: no workers). Workers start
    only once a second batch is read, so small inputs never start any.
    Results do not depend on ``jobs``. ``semantic``: also find rewrites and
    translations (embeddings, :mod:`reprints.align_semantic`); off, a scan is
    purely lexical and much faster.
    """

    sketch: SketchParams = SketchParams()
    lsh: LSHParams = LSHParams()
    align: AlignParams = AlignParams()
    relate: RelateParams = RelateParams()
    semantic: bool = True
    semantic_index: SemanticIndexParams = SemanticIndexParams()
    semantic_align: SemanticParams = SemanticParams()
    batch: int = 1000
    jobs: int = 0


def params_to_dict(params: ScanParams) -> dict[str, object]:
    """All settings as plain JSON-ready data, one block per stage.

    >>> params_to_dict(ScanParams())["relate"]["reformatted"]
    0.9
    """
    return asdict(params)


def params_from_dict(data: dict[str, object], base: ScanParams = ScanParams()) -> ScanParams:
    """Settings from :func:`params_to_dict`'s shape; keys left out keep ``base``'s
    values, unknown keys are an error (a typo must not pass silently).

    >>> params_from_dict({"relate": {"rewrite": 0.6}}).relate.rewrite
    0.6
    >>> params_from_dict({"relate": {"excerpt": "high"}})
    Traceback (most recent call last):
    ...
    ValueError: setting 'relate.excerpt' must be a number, got 'high'
    """
    return _merge(base, data, "")


def _merge(obj, data: dict[str, object], where: str):
    if not isinstance(data, dict):
        raise ValueError(f"{where or 'settings'}: expected a table of settings, got {type(data).__name__}")
    known = {f.name: f for f in fields(obj)}
    changes = {}
    for key, value in data.items():
        if key not in known:
            raise ValueError(f"unknown setting {where + key!r}; known: {', '.join(sorted(known))}")
        current = getattr(obj, key)
        if is_dataclass(current):
            changes[key] = _merge(current, value, f"{where}{key}.")
        else:
            changes[key] = _typed(current, value, where + key)
    return replace(obj, **changes)


def _typed(current: object, value: object, name: str) -> object:
    """``value`` as the type of the setting's default, or a ``ValueError`` naming it
    (a threshold given as text must fail here, not deep inside a scan)."""
    kinds = ((bool, "true or false"), (int, "a whole number"), (float, "a number"), (str, "text"),
             (tuple, "a list"))
    want, said = next(((t, s) for t, s in kinds if isinstance(current, t)), (None, ""))
    if want is None:
        return value
    if want is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if want is tuple and isinstance(value, list):
        return tuple(value)
    if not isinstance(value, want) or (want is not bool and isinstance(value, bool)):
        raise ValueError(f"setting {name!r} must be {said}, got {value!r}")
    return value


_INFO = "calibration"


def read_config(path: str | Path, base: ScanParams = ScanParams()) -> ScanParams:
    """Settings from a JSON (``.json``) or TOML (any other name) config file.

    Raises ``ValueError`` with the file name and the problem.

    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "c.json")
    ...     _ = open(p, "w").write('{"relate": {"excerpt_words": 25}}')
    ...     read_config(p).relate.excerpt_words
    25
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"{path}: cannot read config: {exc.strerror or exc}") from None
    try:
        data = orjson.loads(raw) if path.suffix.lower() == ".json" else tomllib.loads(raw.decode("utf-8"))
    except (orjson.JSONDecodeError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        kind = "JSON" if path.suffix.lower() == ".json" else "TOML"
        raise ValueError(f"{path}: not valid {kind}: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a table of settings")
    data.pop(_INFO, None)
    try:
        return params_from_dict(data, base)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{path}: {exc}") from None


def write_config(path: str | Path, params: ScanParams, info: dict | None = None) -> None:
    """Write the settings that differ from the defaults (and the whole ``relate``
    block, which ``calibrate`` fits) as JSON, with ``info`` under ``calibration``."""
    mine, default = params_to_dict(params), params_to_dict(ScanParams())
    out: dict[str, object] = {_INFO: info} if info else {}
    out.update({k: v for k, v in mine.items() if k == "relate" or v != default[k]})
    Path(path).write_bytes(orjson.dumps(out, option=orjson.OPT_INDENT_2) + b"\n")
