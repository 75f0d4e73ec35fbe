#!/usr/bin/env bash
# Pack the frozen app (dist/kiosk, from `python3 -m kiosk.bootstrap build`) into
# dist/lobby-kiosk_<version>_<arch>.deb with dpkg-deb. `python3 -m kiosk.bootstrap deb`
# builds and packs in one go. VERSION overrides the version (tests upgrade with it).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
app="$root/dist/kiosk"
[ -x "$app/kiosk" ] || { echo "no frozen app in $app: run python3 -m kiosk.bootstrap build" >&2; exit 1; }

version="${VERSION:-$(python3 -c 'import tomllib;print(tomllib.load(open("'"$root"'/pyproject.toml","rb"))["project"]["version"])')}"
arch="$(dpkg --print-architecture)"
stage="$root/build/deb/lobby-kiosk"
rm -rf "$stage"
mkdir -p "$stage/DEBIAN" "$stage/opt" "$stage/usr/bin" "$stage/etc/xdg/autostart" \
    "$stage/etc/default" "$stage/lib/udev/rules.d" "$stage/usr/share/doc/lobby-kiosk"

cp -a "$app" "$stage/opt/lobby-kiosk"
install -m 0755 "$here/kiosk-session" "$stage/opt/lobby-kiosk/kiosk-session"
ln -s /opt/lobby-kiosk/kiosk "$stage/usr/bin/kiosk"
install -m 0644 "$here/lobby-kiosk.desktop" "$stage/etc/xdg/autostart/lobby-kiosk.desktop"
install -m 0644 "$here/default" "$stage/etc/default/lobby-kiosk"
install -m 0644 "$here/60-lobby-kiosk-printer.rules" "$stage/lib/udev/rules.d/60-lobby-kiosk-printer.rules"
install -m 0644 "$root/docs/technician-guide.md" "$stage/usr/share/doc/lobby-kiosk/technician-guide.md"

size_kb="$(du -sk "$stage" | cut -f1)"
cat > "$stage/DEBIAN/control" <<CONTROL
Package: lobby-kiosk
Version: $version
Architecture: $arch
Maintainer: Lobby kiosk team <kiosk@localhost>
Section: misc
Priority: optional
Installed-Size: $size_kb
Depends: libc6 (>= 2.31), adduser, passwd, espeak-ng, alsa-utils, libfontconfig1, libdbus-1-3, libegl1, libgl1, libxkbcommon0, libxkbcommon-x11-0, libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1, libxcb-image0, libxcb-render-util0, libxcb-shape0, libxcb-xinerama0
Recommends: x11-xserver-utils, udev
Description: Lobby ticket kiosk for government service halls
 Touchscreen ticket machine: priority tickets by resident ID card, thermal
 printing of Chinese tickets, voice prompts. Installs to /opt/lobby-kiosk,
 creates the kiosk user and starts the kiosk in that user's desktop session.
CONTROL
printf '/etc/xdg/autostart/lobby-kiosk.desktop\n/etc/default/lobby-kiosk\n' > "$stage/DEBIAN/conffiles"
install -m 0755 "$here/postinst" "$stage/DEBIAN/postinst"
install -m 0755 "$here/postrm" "$stage/DEBIAN/postrm"

out="$root/dist/lobby-kiosk_${version}_${arch}.deb"
# gzip: every dpkg reads it (UOS and Kylin ship older ones than Debian 12), and it packs
# 190 MB in seconds.
dpkg-deb --root-owner-group -Zgzip -z6 --build "$stage" "$out" >/dev/null
echo "built $out ($(du -h "$out" | cut -f1))"
