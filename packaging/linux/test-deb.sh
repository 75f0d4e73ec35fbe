#!/usr/bin/env bash
# The Debian package tested for real, as root on a Debian-like machine (opt-in in CI:
# KIOSK_TEST_DEB=1 python3 -m kiosk.bootstrap test). Needs dist/kiosk (bootstrap build).
#
#  1. pack the .deb and install it with apt-get
#  2. the kiosk user exists, in dialout and lp; udev rules, autostart and config in place
#  3. `kiosk --self-test` passes as the kiosk user
#  4. the kiosk's data: a roster imported into its database
#  5. upgrade over itself (same app, higher version): config, database and roster survive
#  6. remove: data still there; purge: data gone (the account stays)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
[ "$(id -u)" -eq 0 ] || { echo "test-deb.sh must run as root" >&2; exit 1; }
apt_get() { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -y -qq "$@"; }
say() { echo "[test-deb] $*"; }
fail() { echo "[test-deb] FAILED: $*" >&2; exit 1; }
as_kiosk() { runuser -u kiosk -- env -u DISPLAY HOME="$home" QT_QPA_PLATFORM=offscreen "$@"; }

base="$(python3 -c 'import tomllib;print(tomllib.load(open("'"$root"'/pyproject.toml","rb"))["project"]["version"])')"
arch="$(dpkg --print-architecture)"
VERSION="$base" bash "$here/build-deb.sh"
VERSION="$base+1" bash "$here/build-deb.sh"
first="$root/dist/lobby-kiosk_${base}_${arch}.deb"
second="$root/dist/lobby-kiosk_${base}+1_${arch}.deb"

say "install $first"
apt_get install "$first" >/dev/null
home="$(getent passwd kiosk | cut -d: -f6)"
id -nG kiosk | tr ' ' '\n' | grep -qx dialout || fail "kiosk is not in dialout"
id -nG kiosk | tr ' ' '\n' | grep -qx lp || fail "kiosk is not in lp"
for f in /opt/lobby-kiosk/kiosk /usr/bin/kiosk /etc/xdg/autostart/lobby-kiosk.desktop \
         /lib/udev/rules.d/60-lobby-kiosk-printer.rules "$home/.config/lobby-kiosk/kiosk.toml"; do
    [ -e "$f" ] || fail "$f is missing"
done
say "kiosk user: $(id kiosk)"

say "self-test as the kiosk user"
as_kiosk kiosk --self-test || fail "self-test as the kiosk user"

say "the day's data: a roster in the kiosk's database"
roster="$(mktemp -d)/roster.csv"
printf 'id_number,category,valid_to\n110000195003070126,elderly,\n' > "$roster"
chmod 0644 "$roster"; chmod 0755 "$(dirname "$roster")"
echo '# technician note: kept across upgrades' >> "$home/.config/lobby-kiosk/kiosk.toml"
as_kiosk kiosk roster import "$roster" || fail "roster import"
before="$(as_kiosk kiosk roster info)"
config_sum="$(sha256sum < "$home/.config/lobby-kiosk/kiosk.toml")"
say "before upgrade: $before"

say "upgrade to $second"
apt_get install "$second" >/dev/null
[ "$(dpkg-query -W -f='${Version}' lobby-kiosk)" = "$base+1" ] || fail "not upgraded"
after="$(as_kiosk kiosk roster info)"
[ "$after" = "$before" ] || fail "roster changed by the upgrade: $after"
[ "$(sha256sum < "$home/.config/lobby-kiosk/kiosk.toml")" = "$config_sum" ] || fail "config changed"
as_kiosk kiosk --self-test >/dev/null || fail "self-test after the upgrade"
say "after upgrade: $after (config unchanged)"

say "remove: the data stays"
apt_get remove lobby-kiosk >/dev/null
[ -e "$home/.local/share/lobby-kiosk/kiosk.db" ] || fail "remove deleted the database"
[ -e "$home/.config/lobby-kiosk/kiosk.toml" ] || fail "remove deleted the config"
apt_get install "$second" >/dev/null
[ "$(as_kiosk kiosk roster info)" = "$before" ] || fail "roster lost after remove + install"

if [ -z "${KEEP_INSTALLED:-}" ]; then
    say "purge: the data goes, the account stays"
    apt_get purge lobby-kiosk >/dev/null
    [ ! -e "$home/.local/share/lobby-kiosk" ] || fail "purge left the data"
    getent passwd kiosk >/dev/null || fail "purge deleted the account"
fi
say "passed"
