"""pyusb's backend is looked up once per process and handed to every USB connection."""

from __future__ import annotations

import libusb_package
import pytest

from printer import usbbackend
from printer.settings import PrinterSettings
from printer.transports import TRANSPORTS


def test_the_backend_is_found_once_and_given_to_every_usb_connection(
    monkeypatch: pytest.MonkeyPatch,
):
    usbbackend.usb_backend.cache_clear()
    calls: list[int] = []
    real = libusb_package.get_libusb1_backend

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(libusb_package, "get_libusb1_backend", counting)
    try:
        usb = TRANSPORTS["usb"]
        assert usb.usable()  # at start-up: libusb shipped with the libusb-package wheel
        settings = PrinterSettings(transport="usb", usb_vendor_id=0x0416, usb_product_id=0x5011)
        devices = [usb.build(settings) for _ in range(3)]  # one per ticket
        found = usbbackend.usb_backend()
        assert found.found and "shipped with the kiosk" in found.source
        assert all(d.usb_args["backend"] is found.backend for d in devices)
        assert devices[0].usb_args["idVendor"] == 0x0416
        assert len(calls) == 1
    finally:
        usbbackend.usb_backend.cache_clear()
