"""`kiosk check`'s disk-encryption check on Linux: a mount table and a /sys tree laid out
the way the kernel shows them (LUKS under LVM, a plain partition), and this machine."""

from __future__ import annotations

from pathlib import Path

from kiosk.checkup import run_checks
from kiosk.config import Config, KioskSection, LoadedConfig
from kiosk.volume import (
    linux_encryption,
    parse_bitlocker_protection,
    parse_manage_bde,
    parse_mountinfo,
)

MOUNTINFO = """\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
30 22 253:1 / /srv/kiosk\\040data rw,relatime shared:9 - ext4 /dev/mapper/vg-kiosk rw
31 22 0:25 / /run rw shared:5 - tmpfs tmpfs rw
"""


def sysfs(root: Path) -> Path:
    """8:1 a plain partition; 253:1 LVM volume 'vg-kiosk' on 253:0, a LUKS mapping."""
    block = root / "devices" / "virtual" / "block"
    for name, uuid, slaves in (
        ("dm-0", "CRYPT-LUKS2-0123abcd-luks-sda2", []),
        ("dm-1", "LVM-abcdef", ["dm-0"]),
    ):
        (block / name / "dm").mkdir(parents=True)
        (block / name / "dm" / "uuid").write_text(uuid + "\n")
        (block / name / "dm" / "name").write_text(name.replace("dm-1", "vg-kiosk") + "\n")
        (block / name / "slaves").mkdir()
        for slave in slaves:
            (block / name / "slaves" / slave).symlink_to(block / slave)
    (root / "devices" / "pci" / "sda" / "sda1").mkdir(parents=True)
    links = root / "dev" / "block"
    links.mkdir(parents=True)
    (links / "253:0").symlink_to(block / "dm-0")
    (links / "253:1").symlink_to(block / "dm-1")
    (links / "8:1").symlink_to(root / "devices" / "pci" / "sda" / "sda1")
    return root


def no_fscrypt(_path: Path) -> bool:
    return False


def test_mount_points_with_escaped_spaces_are_read():
    points = [m.point for m in parse_mountinfo(MOUNTINFO)]
    assert points == ["/", "/srv/kiosk data", "/run"]


def test_luks_under_lvm_is_found(tmp_path: Path):
    root = sysfs(tmp_path / "sys")
    found = linux_encryption(
        Path("/srv/kiosk data/lobby"), mountinfo=MOUNTINFO, sys_root=root, fscrypt=no_fscrypt
    )
    assert found.encrypted is True and "dm-0" in found.detail


def test_a_plain_partition_is_reported_with_the_fix(tmp_path: Path):
    root = sysfs(tmp_path / "sys")
    found = linux_encryption(
        Path("/var/lib/kiosk"), mountinfo=MOUNTINFO, sys_root=root, fscrypt=no_fscrypt
    )
    assert found.encrypted is False and "/dev/sda1" in found.detail
    assert "LUKS" in found.fix


def test_fscrypt_folder_counts(tmp_path: Path):
    found = linux_encryption(tmp_path, mountinfo=MOUNTINFO, fscrypt=lambda _p: True)
    assert found.encrypted is True


def test_windows_answers_are_read():
    assert parse_bitlocker_protection("1\r\n") is True
    assert parse_bitlocker_protection("2") is False
    assert parse_bitlocker_protection("") is None
    assert parse_manage_bde("    Protection Status:    Protection On\n") is True
    assert parse_manage_bde("    Protection Status:    Protection Off\n") is False


def test_kiosk_check_says_where_the_data_folder_is_and_never_fails_on_it(tmp_path: Path):
    kiosk = KioskSection(data_dir=tmp_path / "data", log_dir=tmp_path / "logs")
    loaded = LoadedConfig(Config(kiosk=kiosk), source=None, demo=False)
    (result,) = [r for r in run_checks(loaded) if r.name == "disk encryption"]
    assert result.level in ("OK", "WARN")
    assert str(tmp_path) in result.detail or "not a block device" in result.detail
    if result.level == "WARN":
        assert "fix:" in result.detail
