"""`kiosk support-bundle`: one zip a technician can send to support, with no personal data.

What goes in: the config file with every secret replaced (the staff PIN hash, the server
token, passwords, keys), the kiosk's log files (they hold no ID number, no name: masked
forms are on screen only, visitors are told apart by a per-day reference), the output of
``kiosk check`` and a line about the build and the system. What never goes in: the ticket
database, the roster, the key folder, previews of tickets.
"""

from __future__ import annotations

import os
import platform
import re
import sys
import zipfile
from datetime import datetime
from pathlib import Path

from kiosk import __version__
from kiosk.config import LoadedConfig

#: A key whose name holds one of these words has its value replaced.
SECRET_WORDS = ("pin", "token", "password", "secret", "key")
REDACTED = "<removed>"

_ASSIGNMENT = re.compile(r"^(\s*)([A-Za-z0-9_.\-\"']+)(\s*=\s*)(.*)$")


def redact_config(text: str) -> str:
    """The config text with the value of every secret-looking key replaced, line by line
    (so a file that is not even valid TOML is redacted too); comments are kept."""
    lines = []
    in_multiline = False
    for line in text.splitlines():
        if in_multiline:  # the rest of a multi-line secret value
            if '"""' in line or "'''" in line or line.rstrip().endswith("]"):
                in_multiline = False
            continue
        match = _ASSIGNMENT.match(line)
        if match and any(word in match.group(2).lower() for word in SECRET_WORDS):
            value = match.group(4).strip()
            if (value.startswith(('"""', "'''")) and value.count(value[:3]) == 1) or (
                value.startswith("[") and "]" not in value
            ):
                in_multiline = True
            line = f'{match.group(1)}{match.group(2)}{match.group(3)}"{REDACTED}"'
        lines.append(line)
    return "\n".join(lines) + "\n"


def _log_files(log_dir: Path) -> list[Path]:
    if not log_dir.is_dir():
        return []
    return sorted(p for p in log_dir.iterdir() if p.is_file() and ".log" in p.name)


def write_support_bundle(loaded: LoadedConfig, out: Path | None = None) -> Path:
    """Write the zip (private to this user) and return its path."""
    from kiosk.checkup import report, run_checks

    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    if out is None:
        out = Path.cwd() / f"kiosk-support-{loaded.config.kiosk.id}-{stamp}.zip"
    out.parent.mkdir(parents=True, exist_ok=True)
    check_text = report(run_checks(loaded))
    about = "\n".join(
        [
            f"kiosk {__version__} ({'frozen app' if getattr(sys, 'frozen', False) else 'source'})",
            f"system: {platform.platform()}; python {platform.python_version()}",
            f"written: {datetime.now().astimezone().isoformat(timespec='seconds')}",
            f"config: {loaded.source or 'none (demo defaults)'}",
            f"data folder: {loaded.data_dir}; logs: {loaded.log_dir}",
            "not included: the ticket database, the roster, the keys, ticket previews",
        ]
    )
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("about.txt", about + "\n")
        bundle.writestr("check.txt", check_text + "\n")
        if loaded.source is not None and loaded.source.is_file():
            text = loaded.source.read_text(encoding="utf-8", errors="replace")
            bundle.writestr("config/kiosk.toml", redact_config(text))
        for log_file in _log_files(loaded.log_dir):
            bundle.write(log_file, f"logs/{log_file.name}")
    return out
