"""Files: walking a folder (recursively, once per real folder) and handing each file to its format's reader."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from reprints.document import Document, LoadProblem, id_problem
from reprints.load.decode import os_message
from reprints.load.formats import (
    FORMATS,
    Read,
    SourceFile,
    not_news,
    read_csv,
    read_html,
    read_jsonl,
    read_parquet,
    read_plain,
    read_warc,
    source_kind,
)
from reprints.load.header import parsed


def iter_corpus(root: Path, shown: str, parse_headers: bool) -> Iterator[Document | LoadProblem]:
    """Walk `root`, read every file, and drop duplicate ids (first one wins)."""
    is_folder = root.is_dir()
    if is_folder:
        sources: Iterable[SourceFile | LoadProblem] = _walk(root, "", set())
    elif root.is_file():
        sources = [SourceFile(root, shown, *source_kind(root.name))]
    else:
        sources = [LoadProblem(shown, None, "not a regular file")]
    seen: dict[str, str] = {}
    for source in sources:
        if isinstance(source, LoadProblem):
            yield _named(source)
            continue
        file_id = source.name if is_folder else root.name
        for item in _read_source(source, file_id):
            if isinstance(item, LoadProblem):
                yield _named(item)
                continue
            doc, line = item
            problem = id_problem(doc.id)
            if problem is not None:
                yield _named(LoadProblem(source.name, line, problem))
                continue
            where = source.name if line is None else f"{source.name}:{line}"
            first = seen.get(doc.id)
            if first is not None:
                yield LoadProblem(source.name, line, f"duplicate id {doc.id!r} (first seen in {first})")
                continue
            seen[doc.id] = where
            yield parsed(doc) if parse_headers else doc


def _named(problem: LoadProblem) -> LoadProblem:
    """A problem whose file name can be printed and written: the bytes of a
    name that is not UTF-8 are shown as ``\\xe9`` escapes."""
    try:
        problem.source.encode("utf-8")
        return problem
    except UnicodeEncodeError:
        shown = problem.source.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        return LoadProblem(shown, problem.line, problem.message)


def _walk(folder: Path, rel: str, visited: set[tuple[int, int]]) -> Iterator[SourceFile | LoadProblem]:
    """Yield the files under `folder` depth-first in name order; hidden entries become problems."""
    try:
        st = folder.stat()
        key = (st.st_dev, st.st_ino)
        if key in visited:
            yield LoadProblem(rel or ".", None, "folder already visited (symlink loop) skipped")
            return
        visited.add(key)
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda e: e.name)
    except OSError as exc:
        yield LoadProblem(rel or ".", None, f"cannot read folder: {os_message(exc)}")
        return
    for entry in entries:
        name = f"{rel}/{entry.name}" if rel else entry.name
        try:
            is_dir = entry.is_dir()
            is_file = not is_dir and entry.is_file()
        except OSError as exc:
            yield LoadProblem(name, None, f"cannot read: {os_message(exc)}")
            continue
        if entry.name.startswith("."):
            if is_dir:
                count = _count_files(Path(entry.path))
                yield LoadProblem(name, None, f"hidden folder skipped ({count} files)")
            else:
                yield LoadProblem(name, None, "hidden file skipped")
        elif is_dir:
            yield from _walk(Path(entry.path), name, visited)
        elif is_file and (why := not_news(entry.name)) is not None:
            yield LoadProblem(name, None, f"not news ({why}) skipped")
        elif is_file:
            yield SourceFile(Path(entry.path), name, *source_kind(entry.name))
        else:
            yield LoadProblem(name, None, "not a regular file")


def _count_files(folder: Path) -> int:
    """Count the files under a skipped folder, so the problem says what was left out."""
    return sum(len(files) for _, _, files in os.walk(folder))


def _read_source(source: SourceFile, file_id: str) -> Iterator[Read | LoadProblem]:
    """Dispatch one file to its reader by extension."""
    fmt = FORMATS.get(source.ext)
    if fmt is None:
        what = f"'{source.ext}'" if source.ext else "(no extension)"
        yield LoadProblem(source.name, None, f"unsupported file type {what}")
        return
    try:
        if fmt in ("txt", "md"):
            yield from read_plain(source, file_id, fmt)
        elif fmt == "html":
            yield from read_html(source, file_id)
        elif fmt == "jsonl":
            yield from read_jsonl(source)
        elif fmt in ("csv", "tsv"):
            yield from read_csv(source, fmt)
        elif fmt == "warc":
            yield from read_warc(source)
        else:
            yield from read_parquet(source)
    except (EOFError, OSError) as exc:  # gzip: BadGzipFile is an OSError, a cut file an EOFError
        what = "cannot decompress" if source.compression and not isinstance(exc, FileNotFoundError) else "cannot read"
        yield LoadProblem(source.name, None, f"{what} file: {os_message(exc) if isinstance(exc, OSError) else exc}")
    except Exception as exc:  # zstandard.ZstdError and the like: a damaged compressed file
        if source.compression is None:
            raise
        yield LoadProblem(source.name, None, f"cannot decompress file: {exc}")
