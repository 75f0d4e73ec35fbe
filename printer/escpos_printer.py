"""A real ESC/POS ticket printer behind python-escpos.

One python-escpos printer object per ticket (and per status check), closed in ``finally``:
spooler transports (win32raw, cups, lp) send only on ``close()``, and a fresh connection
per ticket survives printers being switched off and on between tickets.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from escpos.constants import RT_STATUS_ONLINE, RT_STATUS_PAPER
from escpos.escpos import Escpos

from printer.encoder import TicketEncoder
from printer.errors import PaperOut, PrinterConfigError, PrinterOffline, PrintFailed
from printer.settings import PrinterSettings
from printer.status import PrinterStatus, StatusReading, decode_online, decode_paper
from printer.ticket import TicketContent, TicketFonts
from printer.transports import (
    TRANSPORTS,
    confirm_timeout_s,
    drain_replies,
    open_device,
    read_reply,
)

log = logging.getLogger(__name__)
#: Every byte exchange is logged here at DEBUG (device traffic has its own logger).
traffic_log = logging.getLogger("printer.traffic")


class EscposTicketPrinter:
    """Prints tickets (image or native mode) over one of the python-escpos transports."""

    def __init__(self, settings: PrinterSettings, fonts: TicketFonts) -> None:
        transport = TRANSPORTS.get(settings.transport)
        if transport is None:
            raise PrinterConfigError(
                f"transport {settings.transport!r} is not an ESC/POS transport"
            )
        if not transport.usable():
            raise PrinterConfigError(
                f"the {transport.name} transport cannot be used here: it needs {transport.needs}"
            )
        self._settings = settings
        self._transport = transport
        self._encoder = TicketEncoder(
            settings.profile_name,
            fonts,
            mode=settings.mode,
            charset=settings.charset,
            cutter=settings.cutter,
        )
        self.width_dots = self._encoder.width_dots

    @property
    def settings(self) -> PrinterSettings:
        return self._settings

    def describe(self) -> str:
        return f"{self._settings.describe()}, {self.width_dots} dots wide"

    # -- status ------------------------------------------------------------------------------

    def status(self) -> PrinterStatus:
        return self.check_status().status

    def check_status(self) -> StatusReading:
        """Ask the printer (where the transport can read back) and explain the answer."""
        t = self._transport
        if not t.reads_status:
            return self._status_without_readback()
        if not self._settings.read_status:
            return StatusReading(
                PrinterStatus.UNKNOWN, "status queries are switched off (read_status = false)"
            )
        try:
            device = t.build(self._settings)
        except Exception as e:
            return StatusReading(PrinterStatus.ERROR, f"cannot set up: {_oneline(e)}")
        try:
            try:
                open_device(t, device, self._settings, "status")
            except Exception as e:
                return StatusReading(PrinterStatus.OFFLINE, f"cannot connect: {_oneline(e)}")
            try:
                reading = self._query_status(device)
            except Exception as e:
                return StatusReading(PrinterStatus.OFFLINE, f"status query failed: {_oneline(e)}")
        finally:
            _close_quietly(device)
        if reading.status.needs_attention():
            log.warning("printer %s: %s", self._settings.describe(), reading.detail)
        return reading

    def _status_without_readback(self) -> StatusReading:
        if self._transport.name == "file":
            path = Path(self._settings.device_path)
            if not path.exists():
                return StatusReading(
                    PrinterStatus.OFFLINE, f"{path} does not exist (unplugged or switched off?)"
                )
            if not os.access(path, os.W_OK):
                return StatusReading(PrinterStatus.ERROR, f"no permission to write to {path}")
            return StatusReading(
                PrinterStatus.UNKNOWN, f"{path} is present; a device file cannot report paper"
            )
        return StatusReading(
            PrinterStatus.UNKNOWN,
            f"the {self._transport.name} transport cannot read printer status back",
        )

    def _ask(self, device: Escpos, query: bytes, timeout_s: float | None = None) -> bytes:
        drain_replies(self._transport, device)
        device._raw(query)
        reply = read_reply(self._transport, device, timeout_s or self._settings.timeout_s)
        traffic_log.debug("query %s -> %s", query.hex(" "), reply.hex(" ") or "(no reply)")
        return reply

    def _query_status(self, device: Escpos) -> StatusReading:
        # Own decoding instead of escpos's is_online()/paper_status(): paper_status() reads
        # an empty reply (printer silent, socket closed) as "paper adequate".
        online_reply = self._ask(device, RT_STATUS_ONLINE)
        if not online_reply:
            return StatusReading(
                PrinterStatus.OFFLINE,
                f"no reply to the status query within {self._settings.timeout_s:g} s "
                "(printer off or disconnected; if this model never answers, set "
                "read_status = false)",
                raw_online=online_reply,
            )
        paper_reply = self._ask(device, RT_STATUS_PAPER)
        online = decode_online(online_reply)
        paper = decode_paper(paper_reply)
        raw = {"raw_online": online_reply, "raw_paper": paper_reply}
        if not paper_reply:
            return StatusReading(PrinterStatus.OFFLINE, "no reply to the paper status query", **raw)
        if paper is PrinterStatus.PAPER_OUT:
            return StatusReading(PrinterStatus.PAPER_OUT, "paper roll is empty", **raw)
        if online is False:
            return StatusReading(
                PrinterStatus.OFFLINE, "printer reports offline (cover open or error?)", **raw
            )
        if online is None or paper is None:
            return StatusReading(
                PrinterStatus.UNKNOWN,
                f"unrecognised status replies {online_reply.hex()} / {paper_reply.hex()}",
                **raw,
            )
        if paper is PrinterStatus.PAPER_NEAR_END:
            return StatusReading(PrinterStatus.PAPER_NEAR_END, "paper roll is nearly empty", **raw)
        return StatusReading(PrinterStatus.READY, "online, paper present", **raw)

    # -- printing ----------------------------------------------------------------------------

    def print_ticket(self, content: TicketContent) -> None:
        """Render and send one ticket; return only when every byte was handed over.

        Raises PrinterOffline (nothing sent), PrintFailed (failed part-way, or the printer
        stopped answering right after), PaperOut (paper ran out during the ticket).
        """
        ticket = self._encoder.encode(content)
        t = self._transport
        job = f"ticket {content.number}"
        try:
            device = t.build(self._settings)
        except Exception as e:
            raise PrinterOffline(f"cannot set up {self._settings.describe()}: {_oneline(e)}") from e
        try:
            try:
                open_device(t, device, self._settings, job)
            except Exception as e:
                raise PrinterOffline(
                    f"cannot connect to {self._settings.describe()}: {_oneline(e)}"
                ) from e
            try:
                for chunk in ticket.chunks:  # one write per raster band: short writes
                    device._raw(chunk)
            except Exception as e:
                raise PrintFailed(f"sending {job} failed part-way: {_oneline(e)}") from e
            if t.reads_status and self._settings.read_status:
                size = sum(len(chunk) for chunk in ticket.chunks)
                timeout = confirm_timeout_s(self._settings, ticket.length_mm, size)
                self._confirm_printed(device, job, timeout)
        except BaseException:
            _close_quietly(device)
            raise
        # Spooler transports hand the job over only now: a failing close() is a failed print.
        lp_process = device._device if t.name == "lp" else None
        try:
            device.close()
        except Exception as e:
            raise PrintFailed(f"{job} was not handed to the spooler: {_oneline(e)}") from e
        if lp_process is not None and lp_process.returncode not in (0, None):
            raise PrintFailed(f"{job}: lp exited with status {lp_process.returncode}")
        log.info("printed %s on %s", job, self._settings.describe())

    def _confirm_printed(self, device: Escpos, job: str, timeout_s: float) -> None:
        """Ask for paper status after the ticket: a dropped connection or an empty roll
        shows here even when every write had returned (the bytes may still sit in a buffer)."""
        try:
            reply = self._ask(device, RT_STATUS_PAPER, timeout_s)
        except Exception as e:
            raise PrintFailed(
                f"{job}: printer stopped answering after sending: {_oneline(e)}"
            ) from e
        if not reply:
            raise PrintFailed(f"{job}: no reply from the printer after sending")
        if decode_paper(reply) is PrinterStatus.PAPER_OUT:
            raise PaperOut(f"{job}: paper ran out")

    def close(self) -> None:
        """Nothing stays open between tickets."""


def _close_quietly(device: Escpos) -> None:
    try:
        device.close()
    except Exception:
        log.debug("closing the printer connection failed", exc_info=True)


def _oneline(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return f"{type(error).__name__}: {text}"
