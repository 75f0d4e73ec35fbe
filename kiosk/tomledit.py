"""Change one key of a TOML file in place, keeping its comments, order and layout.

Used by `kiosk pin set`. The file is parsed by tomlkit (format-preserving), so a table
header with a comment (``[staff]   # who may open the panel``) is found as the table it
is, not missed by a text search that then appends a second ``[staff]``. The result is
written to a temporary file in the same folder, flushed to disk, given the original's
permission bits and renamed over it: a crash leaves the old file or the new one, never
half of one.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from pathlib import Path

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import InlineTable, Table

from kiosk.atomicfile import write_atomically


class TomlEditError(Exception):
    """The file cannot be read, parsed or written; it is left as it was."""


def set_key(path: Path, key: Sequence[str], value: str) -> None:
    """Set ``key`` (table names, then the key) to the string ``value`` in the file."""
    *tables, name = key
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise TomlEditError(f"{path}: cannot read: {e}") from e
    try:
        tomllib.loads(text)  # the same parser the kiosk reads the file with
        document = tomlkit.parse(text)
    except (tomllib.TOMLDecodeError, TOMLKitError) as e:
        raise TomlEditError(f"{path}: not valid TOML: {e}") from e
    container: tomlkit.TOMLDocument | Table | InlineTable = document
    for index, table in enumerate(tables):
        where = ".".join(tables[: index + 1])
        if table not in container:
            container.add(table, tomlkit.table())
        child = container[table]
        if not isinstance(child, Table | InlineTable):
            raise TomlEditError(f"{path}: {where} is not a table")
        container = child
    container[name] = value
    new_text = tomlkit.dumps(document)
    try:
        tomllib.loads(new_text)
    except tomllib.TOMLDecodeError as e:  # a tomlkit bug must not break the kiosk's config
        raise TomlEditError(f"{path}: the edited file would not be valid TOML: {e}") from e
    try:
        write_atomically(path, new_text.encode("utf-8"))
    except OSError as e:
        raise TomlEditError(f"{path}: cannot write: {e}") from e
