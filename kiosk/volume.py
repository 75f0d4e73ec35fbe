"""Is the data folder on an encrypted volume? For ``kiosk check``.

The ticket database holds keyed hashes only, and its keys live elsewhere (the OS secret
store or the config folder); but a stolen disk carries both, and the roster is a list of
the low-income people of a district. Full-disk encryption (BitLocker, LUKS) is what makes
a stolen disk worthless, so the technician is warned when the data folder is not on one.

- Linux: the block device under the folder's mount (``/proc/self/mountinfo``), followed
  down its device-mapper stack in ``/sys``: a ``dm/uuid`` starting ``CRYPT-`` is dm-crypt
  (LUKS or plain). ``ecryptfs`` mounts and fscrypt folders (``lsattr`` flag ``E``) count too.
- Windows: the drive's BitLocker protection, through the shell's
  ``System.Volume.BitLockerProtection`` property (no administrator rights needed), else
  ``manage-bde -status``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

LINUX_FIX = (
    "put the data folder on an encrypted volume: a LUKS partition (Debian installer:"
    " 'Guided - use entire disk and set up encrypted LVM'; or cryptsetup luksFormat on a"
    " data partition mounted over the data folder), or fscrypt on the folder"
)
WINDOWS_FIX = (
    "turn on BitLocker for drive {drive} (Settings > Device encryption, or as administrator"
    " `manage-bde -on {drive}`), and keep the recovery key off the kiosk"
)


@dataclass(frozen=True)
class Encryption:
    encrypted: bool | None  # None: cannot tell
    detail: str
    fix: str = ""


@dataclass(frozen=True)
class Mount:
    point: str
    device: str  # major:minor
    fstype: str
    source: str


def parse_mountinfo(text: str) -> list[Mount]:
    mounts = []
    for line in text.splitlines():
        fields = line.split()
        if "-" not in fields or len(fields) < 7:
            continue
        dash = fields.index("-")
        if len(fields) < dash + 3:
            continue
        point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[4])
        mounts.append(Mount(point, fields[2], fields[dash + 1], fields[dash + 2]))
    return mounts


def mount_of(path: Path, mounts: list[Mount]) -> Mount | None:
    target = str(path)
    best = None
    for mount in mounts:
        prefix = mount.point.rstrip("/") + "/"
        if (target == mount.point or target.startswith(prefix) or mount.point == "/") and (
            best is None or len(mount.point) >= len(best.point)
        ):
            best = mount
    return best


def dm_crypt_below(block: Path, seen: int = 0) -> str | None:
    """The dm-crypt device at or below ``block`` (a /sys/.../block/X folder), if any."""
    if seen > 16:
        return None
    uuid = block / "dm" / "uuid"
    try:
        if uuid.read_text().strip().startswith("CRYPT-"):
            return (block / "dm" / "name").read_text().strip() or block.name
    except OSError:
        pass
    slaves = block / "slaves"
    if slaves.is_dir():
        for slave in sorted(slaves.iterdir()):
            found = dm_crypt_below(slave.resolve(), seen + 1)
            if found:
                return found
    return None


def _lsattr_encrypted(path: Path) -> bool:
    try:
        result = subprocess.run(
            ["lsattr", "-d", str(path)], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return False
    flags = result.stdout.split(" ", 1)[0] if result.returncode == 0 else ""
    return "E" in flags


def linux_encryption(
    path: Path,
    *,
    mountinfo: str | None = None,
    sys_root: Path = Path("/sys"),
    fscrypt: Callable[[Path], bool] = _lsattr_encrypted,
) -> Encryption:
    path = _existing(path)
    if mountinfo is None:
        try:
            mountinfo = Path("/proc/self/mountinfo").read_text()
        except OSError as e:
            return Encryption(None, f"cannot read the mount table: {e}", LINUX_FIX)
    mount = mount_of(path, parse_mountinfo(mountinfo))
    if mount is None:
        return Encryption(None, f"no mount found for {path}", LINUX_FIX)
    where = f"{path} is on {mount.source} ({mount.fstype}, mounted at {mount.point})"
    if mount.fstype == "ecryptfs":
        return Encryption(True, f"{where}: eCryptfs")
    if path.exists() and fscrypt(path):
        return Encryption(True, f"{path}: fscrypt-encrypted folder")
    if mount.fstype in ("tmpfs", "ramfs"):
        return Encryption(None, f"{where}: in memory, gone at power-off", LINUX_FIX)
    device = mount.device
    if device.startswith("0:") and mount.source.startswith("/dev/"):
        try:  # btrfs and others report an anonymous device; the source names the real one
            rdev = os.stat(mount.source).st_rdev
            device = f"{os.major(rdev)}:{os.minor(rdev)}"
        except OSError:
            pass
    block = sys_root / "dev" / "block" / device
    if not block.exists():
        return Encryption(None, f"{where}: not a block device this check knows", LINUX_FIX)
    crypt = dm_crypt_below(block.resolve())
    if crypt:
        return Encryption(True, f"{where}: on dm-crypt/LUKS volume {crypt}")
    return Encryption(False, f"{where}: NOT on an encrypted volume", LINUX_FIX)


def parse_bitlocker_protection(value: str) -> bool | None:
    """The shell's System.Volume.BitLockerProtection: 1 on, 3 encrypting, 2 off, else ?"""
    text = value.strip()
    if text in ("1", "3", "5"):
        return True
    if text in ("2", "4", "6"):
        return False
    return None


def parse_manage_bde(output: str) -> bool | None:
    match = re.search(r"Protection Status:\s*Protection (On|Off)", output)
    if match is None:
        return None
    return match.group(1) == "On"


def windows_encryption(path: Path) -> Encryption:  # pragma: no cover - Windows
    drive = _existing(path).drive or "C:"
    fix = WINDOWS_FIX.format(drive=drive)
    script = (
        "(New-Object -ComObject Shell.Application).NameSpace('"
        + drive
        + "\\').Self.ExtendedProperty('System.Volume.BitLockerProtection')"
    )
    state: bool | None = None
    try:
        result = subprocess.run(
            ["powershell", "-NoProfile", "-NonInteractive", "-Command", script],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
        state = parse_bitlocker_protection(result.stdout)
        if state is None:
            result = subprocess.run(
                ["manage-bde", "-status", drive], capture_output=True, text=True, timeout=20
            )
            state = parse_manage_bde(result.stdout)
    except (OSError, subprocess.SubprocessError) as e:
        return Encryption(None, f"cannot ask BitLocker about {drive}: {e}", fix)
    if state is None:
        return Encryption(None, f"BitLocker state of {drive} unknown", fix)
    if state:
        return Encryption(True, f"drive {drive}: BitLocker on")
    return Encryption(False, f"drive {drive}: BitLocker OFF", fix)


def data_encryption(path: Path) -> Encryption:
    if sys.platform == "win32":  # pragma: no cover - Windows
        return windows_encryption(path)
    if sys.platform.startswith("linux"):
        return linux_encryption(path)
    return Encryption(None, f"cannot tell on {sys.platform}", "use the system's disk encryption")


def _existing(path: Path) -> Path:
    """``path`` absolute, symlinks resolved where it exists (before the first start the
    folder may not exist yet: its name still says which mount it will be on)."""
    return path.resolve() if path.exists() else Path(os.path.abspath(path))
