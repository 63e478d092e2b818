"""Config files: settings for ``scan``, ``add`` and ``serve``, as ``calibrate`` writes them.

A config holds blocks of :class:`~reprints.pipeline.ScanParams` (``relate``,
``lsh``, ``semantic_index``...) in JSON or TOML; settings left out keep their
defaults, unknown ones are an error. A top-level ``calibration`` block (what
``calibrate`` measured) is information only and is not read as a setting.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import orjson

from reprints.pipeline import ScanParams, params_from_dict, params_to_dict

__all__ = ["read_config", "write_config"]

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
