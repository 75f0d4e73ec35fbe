"""Set up a fresh machine and start the demo or run the tests.

    python3 -m kiosk.bootstrap demo    install everything, start the kiosk in demo mode
    python3 -m kiosk.bootstrap test    install everything, run lint + layer checks + tests,
                                       then build the frozen app and run its self-test
    python3 -m kiosk.bootstrap build   build the frozen one-folder app (dist/kiosk/) from
                                       kiosk.spec in a clean virtual environment
    python3 -m kiosk.bootstrap deb     build, then pack dist/kiosk into a Debian package

Standard library only: it runs before any dependency is installed. On Debian/Ubuntu it
installs the system packages Qt and speech need (apt-get; as root, or through sudo),
then creates ``.venv`` in the checkout and installs the project into it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"

# Qt's xcb platform plugin, fonts/GL for Qt, speech (espeak-ng + aplay).
APT_RUNTIME = [
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-keysyms1",
    "libxkbcommon-x11-0",
    "libxcb-image0",
    "libxcb-render-util0",
    "libxcb-shape0",
    "libxcb-xinerama0",
    "libxkbcommon0",
    "libegl1",
    "libgl1",
    "libfontconfig1",
    "libdbus-1-3",
    "espeak-ng",
    "alsa-utils",
    "libusb-1.0-0",  # USB thermal printers (pyusb)
]
# Tests and screenshots: a virtual screen; PostgreSQL for the hall server's tests (the
# fixtures start a throwaway cluster with initdb + pg_ctl); Chromium and a CJK font for
# the hall pages (Playwright drives Debian's /usr/bin/chromium; nothing is downloaded).
APT_TEST = ["xvfb", "xauth", "postgresql", "chromium", "fonts-noto-cjk"]
# PyInstaller reads the libraries' dependencies with objdump (dpkg-deb is in dpkg).
APT_BUILD = ["binutils"]

#: The frozen build: a virtual environment holding only what ships (the runtime
#: dependencies of pyproject.toml and the ``build`` extra), PyInstaller's work folder, and
#: the one-folder app it makes.
BUILD_DIR = ROOT / "build"
BUILD_VENV = BUILD_DIR / "venv"
DIST_DIR = ROOT / "dist"
FROZEN_APP = DIST_DIR / "kiosk"


def _say(message: str) -> None:
    print(f"[bootstrap] {message}", flush=True)


def _run(cmd: list[str], **kwargs: object) -> None:
    _say(" ".join(cmd))
    subprocess.run(cmd, check=True, **kwargs)  # type: ignore[call-overload]


def _missing_debs(packages: list[str]) -> list[str]:
    missing = []
    for package in packages:
        result = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True
        )
        if "install ok installed" not in result.stdout:
            missing.append(package)
    return missing


def install_system_packages(packages: list[str]) -> None:
    if not sys.platform.startswith("linux") or shutil.which("apt-get") is None:
        _say("not a Debian-like system: skipping system packages")
        return
    missing = _missing_debs(packages)
    if not missing:
        return
    sudo: list[str] = []
    if os.geteuid() != 0:
        if shutil.which("sudo") is None:
            raise SystemExit(f"need root to install: {' '.join(missing)}")
        sudo = ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    _run([*sudo, "apt-get", "update", "-qq"], env=env)
    _run([*sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], env=env)


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def install_python_packages(extra: str) -> None:
    if not venv_python().exists():
        _run([sys.executable, "-m", "venv", str(VENV)])
    stamp = VENV / f".installed-{extra or 'runtime'}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    python = str(venv_python())
    _run([python, "-m", "pip", "install", "-q", "--upgrade", "pip"])
    target = f".[{extra}]" if extra else "."
    _run([python, "-m", "pip", "install", "-q", "-e", target], cwd=ROOT)
    stamp.write_text(digest)


def _bin(name: str) -> str:
    folder = VENV / ("Scripts" if os.name == "nt" else "bin")
    return str(folder / name)


def _requirements(extra: str) -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [*project["dependencies"], *project["optional-dependencies"][extra]]


def _build_venv() -> Path:
    """The clean build environment: the runtime dependencies and PyInstaller, no dev tools.

    The project itself is not installed: PyInstaller reads it from the checkout
    (``pathex`` in kiosk.spec), so an edit is in the next build without a reinstall.
    """
    python = BUILD_VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    requirements = _requirements("build")
    stamp = BUILD_VENV / ".installed-build"
    digest = hashlib.sha256("\n".join(requirements).encode()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return python
    if BUILD_VENV.exists():
        shutil.rmtree(BUILD_VENV)
    _run([sys.executable, "-m", "venv", str(BUILD_VENV)])
    _run([str(python), "-m", "pip", "install", "-q", "--upgrade", "pip"])
    _run([str(python), "-m", "pip", "install", "-q", *requirements])
    stamp.write_text(digest)
    return python


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def build(_extra_args: list[str] | None = None) -> int:
    """Build ``dist/kiosk/`` from kiosk.spec and report its size."""
    install_system_packages(APT_RUNTIME + APT_BUILD)
    python = _build_venv()
    _run(
        [
            str(python),
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--log-level=WARN",
            f"--distpath={DIST_DIR}",
            f"--workpath={BUILD_DIR / 'pyinstaller'}",
            str(ROOT / "kiosk.spec"),
        ],
        cwd=ROOT,
    )
    size_mb = folder_size(FROZEN_APP) / 1e6
    _say(f"built {FROZEN_APP}: {size_mb:.0f} MB (target < 200 MB)")
    return 0


def frozen_self_test() -> int:
    executable = FROZEN_APP / ("kiosk-console.exe" if os.name == "nt" else "kiosk")
    _say(f"{executable} --self-test")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.call([str(executable), "--self-test"], env=env)


def deb(_extra_args: list[str]) -> int:
    """Build the frozen app, then ``packaging/linux/build-deb.sh`` packs it."""
    code = build()
    if code:
        return code
    return subprocess.call(["bash", str(ROOT / "packaging" / "linux" / "build-deb.sh")], cwd=ROOT)


def demo(extra_args: list[str]) -> int:
    install_system_packages(APT_RUNTIME)
    install_python_packages("hall")  # the demo starts a hall server of its own
    if (
        sys.platform.startswith("linux")
        and not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
        and os.environ.get("QT_QPA_PLATFORM") is None
    ):
        _say("no screen found (DISPLAY is not set): run this on a desktop, or under xvfb-run")
        return 1
    return subprocess.call([_bin("kiosk"), "--demo", *extra_args])


def test(extra_args: list[str]) -> int:
    install_system_packages(APT_RUNTIME + APT_TEST + APT_BUILD)
    install_python_packages("dev")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    steps = [
        [_bin("ruff"), "check", "."],
        [_bin("ruff"), "format", "--check", "."],
        [_bin("lint-imports")],
        [_bin("mypy")],
        [_bin("pytest"), *extra_args],
    ]
    for step in steps:
        _say(" ".join(step))
        code = subprocess.call(step, cwd=ROOT, env=env)
        if code != 0:
            _say(f"FAILED: {' '.join(step)} (exit {code})")
            return code
    # The shipped form: build the one-folder app once and let it test itself.
    code = build() or frozen_self_test()
    if code:
        _say(f"FAILED: the frozen app (exit {code})")
        return code
    if os.environ.get("KIOSK_TEST_DEB"):  # opt-in: install the .deb here, as root
        return subprocess.call(
            ["bash", str(ROOT / "packaging" / "linux" / "test-deb.sh")], cwd=ROOT
        )
    return 0


def main(argv: list[str]) -> int:
    commands: dict[str, Callable[[list[str]], int]] = {
        "demo": demo,
        "test": test,
        "build": build,
        "deb": deb,
    }
    if not argv or argv[0] not in commands:
        print(__doc__)
        return 2
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
