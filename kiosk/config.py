"""Typed kiosk configuration: one TOML file, validated once at start-up.

The models are frozen and forbid unknown keys, so a typo in the file is an error that
names the key instead of a setting that silently does nothing. Nothing here writes to
disk: a bad config is reported before the kiosk creates any folder or file.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from serial import SerialException

from idreader.transport import check_port_url
from kiosk import paths
from kiosk.domain.catalogue import Catalogue, CatalogueError, parse_catalogue
from kiosk.domain.pin import valid_pin_hash
from printer.errors import PrinterConfigError
from printer.settings import PrinterSettingError, PrinterSettings


class ConfigError(Exception):
    """The configuration cannot be used. The message names the file, key and reason."""


class KeyedValueError(ValueError):
    """A validator's complaint about one key inside the table it checks."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


def _usable_path(value: Path) -> Path:
    text = str(value)
    if "\x00" in text or not text.strip() or text != text.strip():
        raise ValueError(f"{text!r} is not a usable path")
    return value


#: A file or folder named in the config: no NUL byte, no blank or padded name.
FilePath = Annotated[Path, AfterValidator(_usable_path)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KioskSection(_Section):
    id: Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")] = "K01"
    hall_name: str = "示范市政务服务中心"
    language: Literal["zh", "en"] = "zh"
    number_width: Annotated[int, Field(ge=2, le=6)] = 3
    timezone: str = ""
    idle_timeout_s: Annotated[float, Field(ge=10, le=600)] = 60
    ticket_screen_s: Annotated[float, Field(ge=2, le=60)] = 8
    fullscreen: bool = True
    hide_pointer: bool = True
    data_dir: FilePath | None = None
    log_dir: FilePath | None = None
    catalogue: FilePath | None = None

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        if value:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError) as e:
                raise ValueError(f"unknown time zone {value!r} (use e.g. 'Asia/Shanghai')") from e
        return value


class DatabaseSection(_Section):
    path: FilePath | None = None
    busy_timeout_s: Annotated[float, Field(gt=0, le=60)] = 10


class PrinterSection(_Section):
    """The ``[printer]`` table. Types are checked here; the values themselves (limits, the
    fields each transport needs) by :class:`printer.settings.PrinterSettings`, the same
    check the printer runs, so the two can never disagree."""

    transport: Literal["usb", "serial", "network", "file", "win32raw", "cups", "preview"] = (
        "preview"
    )
    paper_width_mm: int = 80
    profile: str | None = None
    usb_vendor_id: int | None = None
    usb_product_id: int | None = None
    serial_port: str | None = None
    serial_baudrate: int = 19200
    host: str | None = None
    port: int = 9100
    timeout_s: float = 3.0
    read_status: bool = True
    device_path: str | None = None
    printer_name: str | None = None
    preview_dir: FilePath | None = None
    qr_url_prefix: str = ""
    footer: str = "请留意叫号，过号请重新取号 / Please listen for your number"
    mode: Literal["image", "native"] = "image"
    charset: Literal["gb18030", "gb2312"] = "gb18030"

    @model_validator(mode="after")
    def _printer_accepts_it(self) -> PrinterSection:
        try:
            self.settings(self.preview_dir or Path("preview"))
        except PrinterSettingError as e:
            raise KeyedValueError(e.key, str(e)) from e
        except PrinterConfigError as e:
            raise ValueError(str(e)) from e
        return self

    def settings(self, preview_dir: Path) -> PrinterSettings:
        return PrinterSettings(
            transport=self.transport,
            paper_width_mm=self.paper_width_mm,
            profile=self.profile,
            usb_vendor_id=self.usb_vendor_id,
            usb_product_id=self.usb_product_id,
            serial_port=self.serial_port or "",
            serial_baudrate=self.serial_baudrate,
            host=self.host or "",
            port=self.port,
            timeout_s=self.timeout_s,
            read_status=self.read_status,
            device_path=self.device_path or "",
            printer_name=self.printer_name or "",
            preview_dir=str(preview_dir),
            mode=self.mode,
            charset=self.charset,
        )


class ReaderSection(_Section):
    mode: Literal["off", "serial", "line", "simulator"] = "off"
    port: str = ""
    #: line mode only: a chip-card reader that types the number it read from the chip
    #: (trusted like the serial reader), or a QR/barcode scanner (only hall-signed codes).
    line_source: Literal["scanner", "chip_reader"] = "scanner"
    baudrate: Annotated[int, Field(ge=300, le=4_000_000)] | None = None
    poll_interval_s: Annotated[float, Field(ge=0.05, le=5)] = 0.33

    @model_validator(mode="after")
    def _port_usable(self) -> ReaderSection:
        if self.mode == "line" and not self.port:
            raise KeyedValueError(
                "port", "a line-mode reader cannot be searched for: give its port"
            )
        if self.port and self.mode in ("serial", "line"):
            if self.port != self.port.strip() or not self.port.isprintable():
                raise KeyedValueError("port", f"{self.port!r} has spaces or control characters")
            try:
                check_port_url(self.port)
            except (ValueError, SerialException) as e:
                raise KeyedValueError("port", f"{self.port!r} is not a usable port: {e}") from e
        return self


class GreenChannelSection(_Section):
    age_rule: bool = True
    age_threshold: Annotated[int, Field(ge=0, le=120)] = 60
    max_priority_tickets_per_day: Annotated[int, Field(ge=1, le=50)] = 3
    #: Hall public keys (key id -> base64url Ed25519) that scanned priority cards must be
    #: signed with; see roster/priority_card.py.
    priority_card_keys: dict[str, str] = Field(default_factory=dict)

    @field_validator("priority_card_keys")
    @classmethod
    def _keys_load(cls, value: dict[str, str]) -> dict[str, str]:
        from roster.priority_card import load_public_keys

        load_public_keys(value)  # raises a ValueError naming the bad key
        return value


class VoiceSection(_Section):
    enabled: bool = True
    volume: Annotated[float, Field(ge=0, le=1)] = 1.0
    rate_wpm: Annotated[int, Field(ge=60, le=400)] = 150
    voice_zh: str | None = None
    voice_en: str | None = None


class StaffSection(_Section):
    pin_hash: str = ""

    @field_validator("pin_hash")
    @classmethod
    def _a_real_hash(cls, value: str) -> str:
        if value and not valid_pin_hash(value):
            raise ValueError("not a staff PIN hash: set it with `kiosk pin set`")
        return value


class ServerSection(_Section):
    """The hall server and how the kiosk syncs with it (README: "Hall server sync")."""

    url: str = ""
    timeout_s: Annotated[float, Field(gt=0, le=60)] = 5
    token: str = ""
    ca_bundle: Path | None = None
    retries: Annotated[int, Field(ge=0, le=10)] = 3
    push_interval_s: Annotated[float, Field(ge=0.5, le=600)] = 5
    batch_size: Annotated[int, Field(ge=1, le=500)] = 200
    heartbeat_s: Annotated[float, Field(ge=5, le=3600)] = 60
    pull_interval_s: Annotated[float, Field(ge=10, le=86400)] = 600
    queue_poll_s: Annotated[float, Field(ge=1, le=600)] = 10
    queue_max_age_s: Annotated[float, Field(ge=5, le=3600)] = 60
    lease_size: Annotated[int, Field(ge=10, le=1000)] = 100
    lease_low_water: Annotated[int, Field(ge=1, le=1000)] = 30
    reserve_days: Annotated[int, Field(ge=0, le=7)] = 1
    reserve_size: Annotated[int, Field(ge=10, le=1000)] = 200

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")


class Config(_Section):
    kiosk: KioskSection = KioskSection()
    database: DatabaseSection = DatabaseSection()
    printer: PrinterSection = PrinterSection()
    reader: ReaderSection = ReaderSection()
    green_channel: GreenChannelSection = GreenChannelSection()
    voice: VoiceSection = VoiceSection()
    staff: StaffSection = StaffSection()
    server: ServerSection = ServerSection()


@dataclass(frozen=True)
class LoadedConfig:
    """A validated config plus where it came from and the folders derived from it."""

    config: Config
    source: Path | None
    demo: bool
    key_folder: Path | None = None  # the key folder, when not the one next to ``source``

    @property
    def data_dir(self) -> Path:
        return self.config.kiosk.data_dir or paths.default_data_dir()

    @property
    def log_dir(self) -> Path:
        return self.config.kiosk.log_dir or paths.default_log_dir()

    @property
    def database_path(self) -> Path:
        return self.config.database.path or self.data_dir / "kiosk.db"

    @property
    def preview_dir(self) -> Path:
        return self.config.printer.preview_dir or self.data_dir / "preview"

    @property
    def key_dir(self) -> Path:
        """The key folder (used when the OS has no secret store): in the config folder,
        never in the data folder. Demo mode has its own."""
        if self.key_folder is not None:
            return self.key_folder
        config_dir = paths.default_config_path().parent
        if self.demo:
            return config_dir / DEMO_FOLDER / "keys"
        return (self.source.parent if self.source else config_dir) / "keys"

    @property
    def catalogue_path(self) -> Path:
        return self.config.kiosk.catalogue or paths.assets_dir() / "catalogue.toml"

    @property
    def printer_settings(self) -> PrinterSettings:
        return self.config.printer.settings(self.preview_dir)


def _describe(error: ValidationError, source: Path) -> str:
    lines = [f"{source}: invalid configuration"]
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "(top level)"
        cause = item.get("ctx", {}).get("error")
        if item["type"] == "extra_forbidden":
            why = "unknown key (check the spelling; see `kiosk config init`)"
        elif isinstance(cause, KeyedValueError):
            key, why = f"{key}.{cause.key}", cause.message
        else:
            why = item["msg"]
            if "input" in item and not isinstance(item["input"], dict):
                why += f" (got {item['input']!r})"
        lines.append(f"  {key}: {why}")
    return "\n".join(lines)


def parse_config(text: str, source: Path) -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{source}: not valid TOML: {e}") from e
    try:
        return Config.model_validate(data)
    except ValidationError as e:
        raise ConfigError(_describe(e, source)) from e


def load_catalogue(loaded: LoadedConfig) -> Catalogue:
    """The service catalogue file named by the config (CatalogueError says why not)."""
    path = loaded.catalogue_path
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise CatalogueError(f"{path}: cannot read the service catalogue: {e}") from e
    catalogue = parse_catalogue(text, str(path))
    check_printable(catalogue, loaded.config.printer.charset, str(path))
    return catalogue


def check_printable(catalogue: Catalogue, charset: str, source: str) -> None:
    """Every text a ticket prints from the catalogue must be in the printer's charset."""
    from printer.charset import describe_chars, unprintable_chars

    for index, service in enumerate(catalogue, start=1):
        for key in (
            "name_zh",
            "name_en",
            "location_zh",
            "location_en",
            "priority_location_zh",
            "priority_location_en",
        ):
            bad = unprintable_chars(getattr(service, key), charset)
            if bad:
                raise CatalogueError(
                    f"{source}: service #{index} ({service.code}): '{key}' has characters "
                    f"the printer's {charset} font cannot print: {describe_chars(bad)}"
                )


def validate_for_start(loaded: LoadedConfig) -> Catalogue:
    """Everything start-up checks beyond the config file itself; ConfigError names the
    file, the key or entry and the reason.

    ``kiosk config check``, ``kiosk check`` and start-up all call this after
    :func:`load_config`, so a config the check accepts is one the kiosk starts with:
    the printer profile exists, the printer can be set up here (its driver is installed),
    and the catalogue is valid and each service name fits on one line of the configured
    paper (measured with the ticket's own fonts and layout).
    """
    from printer.factory import open_ticket_printer
    from printer.profiles import width_dots
    from printer.ticket import TicketFonts, service_name_fits

    source = loaded.source or "defaults"
    printer = loaded.config.printer
    try:
        fonts = TicketFonts.from_dir(paths.fonts_dir())
    except PrinterConfigError as e:
        raise ConfigError(f"the kiosk's installation is incomplete: {e}") from e
    try:
        width = width_dots(printer.paper_width_mm, printer.profile)
    except PrinterConfigError as e:
        raise ConfigError(f"{source}: printer.profile: {e}") from e
    try:  # builds the printer object as start-up does (drivers present?), touches no device
        open_ticket_printer(loaded.printer_settings, fonts).close()
    except PrinterConfigError as e:
        raise ConfigError(f"{source}: printer.transport: {e}") from e
    try:
        catalogue = load_catalogue(loaded)
    except CatalogueError as e:
        raise ConfigError(str(e)) from e
    for index, service in enumerate(catalogue, start=1):
        for lang, name in (("zh", service.name_zh), ("en", service.name_en)):
            if not service_name_fits(name, lang, width, fonts):
                raise ConfigError(
                    f"{loaded.catalogue_path}: service #{index} ({service.code!r}): name_{lang}"
                    f" {name!r} does not fit on one line of {printer.paper_width_mm} mm"
                    " ticket paper; shorten it"
                )
    return catalogue


DEMO_FOLDER = "demo"


def _demo(config: Config) -> LoadedConfig:
    """Demo mode in folders of its own: ``<data>/demo/`` (database, roster, previews),
    ``<logs>/demo/``, ``<config>/demo/keys``; no staff PIN but the demo one. A configured
    kiosk's database, roster, keys, PIN and previews are never read or written."""
    kiosk = config.kiosk.model_copy(
        update={
            "data_dir": paths.default_data_dir() / DEMO_FOLDER,
            "log_dir": paths.default_log_dir() / DEMO_FOLDER,
        }
    )
    demo = config.model_copy(
        update={
            "kiosk": kiosk,
            "database": config.database.model_copy(update={"path": None}),
            "printer": config.printer.model_copy(update={"preview_dir": None}),
            "reader": ReaderSection(mode="simulator"),
            "staff": StaffSection(),
        }
    )
    return LoadedConfig(config=demo, source=None, demo=True)


def load_config(path: Path | None, *, force_demo: bool = False) -> LoadedConfig:
    """Load the config named on the command line, or the default one.

    An explicit ``path`` must exist. With no explicit path and no file at the default
    location the kiosk runs in demo mode on defaults, unless this PC has a kiosk database
    in the default data folder: a configured kiosk whose config went missing refuses to
    start (it must not turn into a demo). Demo mode (``force_demo``, or no config) keeps
    to its own folders (see :func:`_demo`); with an explicit config it borrows the
    printer, voice and screen settings, nothing else.
    """
    explicit = path is not None
    if force_demo and not explicit:
        return _demo(demo_config())
    candidate = path if explicit else paths.default_config_path()
    assert candidate is not None
    if not candidate.exists():
        if explicit:
            raise ConfigError(f"{candidate}: config file not found")
        database = paths.default_data_dir() / "kiosk.db"
        if database.exists():
            raise ConfigError(
                f"{candidate}: config file not found, and this PC has a kiosk database"
                f" ({database}). The kiosk does not start without its config (it would"
                " not know its printer, reader or PIN); restore the file, or write one with"
                " `kiosk config init`. For a demo, run `kiosk --demo` (it keeps to its own"
                " folder)."
            )
        return _demo(demo_config())
    try:
        text = candidate.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{candidate}: cannot read: {e}") from e
    config = parse_config(text, candidate)
    if force_demo:
        return _demo(config)
    return LoadedConfig(config=config, source=candidate, demo=False)


def demo_config() -> Config:
    """Defaults for a laptop: preview printer, simulated ID reader, no hall server."""
    return Config(
        kiosk=KioskSection(fullscreen=False, hide_pointer=False),
        reader=ReaderSection(mode="simulator"),
    )


EXAMPLE_CONFIG = """\
# Lobby ticket kiosk configuration.
# Every key is optional; what is left out takes the default shown here.
# Check it with `kiosk config check --config PATH` before restarting the kiosk.

[kiosk]
id = "K01"                       # this kiosk's id, printed on tickets and sent to the hall server
hall_name = "示范市政务服务中心"     # printed at the top of each ticket
language = "zh"                  # screen language at start and after each visitor: "zh" or "en"
number_width = 3                 # digits in a ticket number: A001
timezone = ""                    # e.g. "Asia/Shanghai"; empty = the PC's own time zone
idle_timeout_s = 60              # back to the home screen after this long without a tap
ticket_screen_s = 8              # how long the issued ticket stays on screen
fullscreen = true
hide_pointer = true              # hide the mouse pointer (touch screens)
# data_dir = "D:/kiosk/data"     # database and previews; default: the user data folder
# log_dir = "D:/kiosk/logs"      # default: the user log folder
# catalogue = "D:/kiosk/catalogue.toml"  # default: the catalogue shipped in assets/

[database]
# path = "D:/kiosk/data/kiosk.db"
busy_timeout_s = 10

[printer]
# usb | serial | network | file | win32raw | cups | preview
transport = "preview"
paper_width_mm = 80              # 58 (384 dots) or 80 (576 dots)
# profile = "TM-T20II"           # python-escpos profile; default by paper width
# usb_vendor_id = 0x0416         # usb
# usb_product_id = 0x5011
# serial_port = "COM3"           # serial
serial_baudrate = 19200
# host = "192.0.2.10"            # network
port = 9100
timeout_s = 3.0
read_status = true               # false: for printers that never answer status queries
# device_path = "/dev/usb/lp0"   # file
# printer_name = "POS-80"        # win32raw / cups queue name
# preview_dir = "D:/kiosk/preview"  # preview: where PNG + .bin files go
qr_url_prefix = ""               # e.g. "https://hall.example.gov.cn/t/"
footer = "请留意叫号，过号请重新取号 / Please listen for your number"
mode = "image"                   # image (bundled font, any printer) | native (printer's font)
charset = "gb18030"              # native: the printer's Chinese font, gb18030 | gb2312

[reader]
# off | serial (binary ID-card module) | line (one text line per card/scan) | simulator
mode = "off"
port = ""                        # "COM4", "/dev/ttyUSB0", a pyserial URL; empty = search
# baudrate = 115200              # default 115200 for serial, 9600 for line
poll_interval_s = 0.33
# line mode: "scanner" (QR/barcode: only hall-signed priority cards count) or
# "chip_reader" (a chip-card reader typing the number it read from the card's chip)
line_source = "scanner"

[green_channel]
age_rule = true                  # priority for visitors at or above age_threshold
age_threshold = 60
max_priority_tickets_per_day = 3

# Public keys of the hall's priority-card signing keys (see docs/priority-cards.md):
# [green_channel.priority_card_keys]
# hall2027 = "base64url public key printed by `python -m roster.priority_card keygen`"

[voice]
enabled = true
volume = 1.0                     # 0.0 .. 1.0
rate_wpm = 150
# voice_zh = "cmn-latn-pinyin"   # engine voice id; default: the best Mandarin voice found
# voice_en = "en"

[staff]
# Salted scrypt hash of the staff PIN: set it with `kiosk pin set`.
# Empty: in demo mode the PIN is 000000; otherwise the staff panel stays locked.
pin_hash = ""

[server]
url = ""                         # hall server, e.g. "https://hall-server:8443"; empty = stand-alone
timeout_s = 5                    # seconds to wait for each answer (roster downloads: longer)
token = ""                       # this kiosk's token from `hall kiosk add`; keep this file 0600
# ca_bundle = "D:/kiosk/hall-ca.pem"  # CA that signed the hall's certificate; default: system's
retries = 3                      # retries with backoff of a failed call (5xx, 429, timeouts)
push_interval_s = 5              # outbox push; a priority (L) ticket goes up at once
batch_size = 200                 # events per upload (at most 500)
heartbeat_s = 60                 # printer, reader, voice and sync state to the server
pull_interval_s = 600            # catalogue and roster checks (ETag / changes since ours)
queue_poll_s = 10                # waiting counts for the ticket screen and paper
queue_max_age_s = 60             # older counts are left off the ticket, never guessed
lease_size = 100                 # numbers leased per block and prefix
lease_low_water = 30             # lease another block when fewer remain
reserve_days = 1                 # days ahead leased in advance (offline the next morning)
reserve_size = 200               # numbers per prefix for each day ahead
"""
