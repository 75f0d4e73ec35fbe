"""Test-wide set-up: Qt runs offscreen so the suite works on a machine with no screen."""

import os
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# python-escpos unpickles its capability cache into a fresh temp dir on every import
# unless this is set (and the folder exists); one folder for the whole run.
_escpos_cache = os.path.join(tempfile.gettempdir(), "lobby-kiosk-tests-escpos")
os.makedirs(_escpos_cache, exist_ok=True)
os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", _escpos_cache)

# The user's own config, data and log folders (platformdirs reads these on every call):
# no test may read a real kiosk's config or keys, or leave keys or databases there.
_home = tempfile.mkdtemp(prefix="lobby-kiosk-tests-home-")
for _name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
    os.environ[_name] = os.path.join(_home, _name.lower())
# Nor the desktop's keyring: without a session bus the key store uses its key folder.
os.environ.pop("DBUS_SESSION_BUS_ADDRESS", None)
