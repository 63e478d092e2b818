"""Where the test data lives: the bundled examples and the shared seeds."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
SEEDS = REPO.parent / "shared" / "seeds"
SEED_ORIGIN = "000_f9f8bb555b5f0ba7.txt"
SEED_WRAPPED = "003_9d35d1c52b2f016b.txt"
SEED_REWRITE = "004_c34349abce547265.txt"


def seeds() -> Path:
    """The seeds folder, or skip the test with the reason when it is absent."""
    if not (SEEDS / SEED_ORIGIN).exists():
        pytest.skip(f"seed documents not found at {SEEDS}")
    return SEEDS


def artifacts() -> Path:
    """Where tests leave screenshots for people to look at (``REPRINTS_ARTIFACTS`` or tests/artifacts)."""
    import os

    path = Path(os.environ.get("REPRINTS_ARTIFACTS") or REPO / "tests" / "artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


def seed_text(name: str) -> str:
    return (seeds() / name).read_text(encoding="utf-8")


def truth_of(path: Path):
    """A truth file as (family label -> ids, family label -> origin, {a, b} -> relation)."""
    import json
    from collections import defaultdict

    families, origins, relations = defaultdict(set), {}, {}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if "id" in row:
            families[row["family"]].add(row["id"])
        elif "origin" in row:
            origins[row["family"]] = row["origin"]
        else:
            relations[frozenset((row["a"], row["b"]))] = row["relation"]
    return families, origins, relations
