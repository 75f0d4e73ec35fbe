"""pyusb's libusb backend, found once per process.

``usb.core.find()`` with no backend looks for libusb-1.0, libusb-0.1 and openusb on every
call (``ctypes.util.find_library`` runs ``ldconfig``/``gcc``: tens of milliseconds per
ticket, and a kiosk without libusb pays it on every print). The kiosk asks once, at
start-up, and hands the backend to every USB connection.

The library comes from the ``libusb-package`` wheel first (it ships libusb-1.0 for Linux,
Windows and macOS, so the frozen app carries its own), else from the system
(Debian: ``libusb-1.0-0``).
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UsbBackend:
    """The backend (``None`` when there is no libusb) and where it came from."""

    backend: Any
    source: str

    @property
    def found(self) -> bool:
        return self.backend is not None


@functools.cache
def usb_backend() -> UsbBackend:
    """The libusb-1.0 backend for pyusb: looked up on the first call, then remembered."""
    try:
        import libusb_package

        backend = libusb_package.get_libusb1_backend()
        if backend is not None:
            path = libusb_package.get_library_path()
            return UsbBackend(backend, f"libusb-1.0 shipped with the kiosk ({path})")
    except Exception as e:  # a broken wheel must not stop the system library
        log.warning("libusb-package gives no backend: %s", e)
    try:
        import usb.backend.libusb1
    except ImportError:
        return UsbBackend(None, "pyusb is not installed")
    backend = usb.backend.libusb1.get_backend()
    if backend is not None:
        return UsbBackend(backend, "the system's libusb-1.0")
    return UsbBackend(None, "no libusb-1.0 found (Debian: apt install libusb-1.0-0)")
