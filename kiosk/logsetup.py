"""Logging is configured here once, by kiosk.app; everything else only logs."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path
from typing import IO, Any

from kiosk.fileperm import create_private_file, private_dir, private_file

FORMAT = "%(asctime)s %(levelname)-7s %(threadName)s %(name)s: %(message)s"


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Log files readable by the kiosk's user only (0600), also each one after a rollover."""

    def _open(self) -> IO[Any]:
        path = Path(self.baseFilename)
        create_private_file(path)
        stream = super()._open()
        private_file(path)
        return stream


def setup_logging(log_dir: Path, *, console: bool, level: int = logging.INFO) -> Path:
    private_dir(log_dir)
    log_file = log_dir / "kiosk.log"
    root = logging.getLogger()
    root.setLevel(level)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    file_handler = PrivateRotatingFileHandler(
        log_file, maxBytes=5_000_000, backupCount=10, encoding="utf-8"
    )
    file_handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(file_handler)
    if console:
        stream = logging.StreamHandler()
        stream.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(stream)
    # Device traffic has its own loggers; keep them quiet unless asked for.
    logging.getLogger("idreader.wire").setLevel(logging.WARNING)
    logging.getLogger("escpos").setLevel(logging.WARNING)
    return log_file
