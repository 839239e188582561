#!/usr/bin/env bash
# Makes libvirt answer at qemu:///system for the libvirt driver and its tests, on a Debian or
# Ubuntu machine without systemd (CI containers, build machines): the packages come from
# scripts/install-host-packages.sh (libvirt-daemon, libvirt-daemon-driver-qemu,
# libvirt-clients), which install no daemon users, no udev rules and no service units.
# Idempotent: safe to run again, and a libvirt that already answers is left as it is.
# Run as root or with sudo. On a desktop, `apt-get install libvirt-daemon-system` (systemd
# units, users, polkit) is the usual way; this script then only checks that libvirt answers.
#
# What it does, and why:
#   - the users and groups Debian's libvirt-daemon-system would create: libvirtd refuses to
#     start without its default QEMU user and group (libvirt-qemu:libvirt-qemu), and the kvm group;
#   - /dev/kvm as udev would leave it (root:kvm, 0660) where no udev ran: libvirt checks that
#     its QEMU user can open /dev/kvm, and when QEMU says KVM works but that user cannot open it,
#     libvirt throws its QEMU capability cache away on every call (a 36 s re-probe per `virsh define`);
#   - /var/log/libvirt and /run/libvirt, then virtlogd (it writes the serial logs the driver
#     follows) and libvirtd, each unless it runs already;
#   - waits until `virsh -c qemu:///system uri` answers.
# No qemu.conf change is needed: the driver's domains carry their own DAC label (QEMU runs as
# the user who owns the instance folder; see src-drivers/libvirt/README.md).
set -euo pipefail
uri=qemu:///system
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"

for tool in libvirtd virtlogd virsh; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || {
    echo "setup-libvirt: $tool is missing; run scripts/install-host-packages.sh first (it installs libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients)" >&2
    exit 1
  }
done

answers() { virsh -q -c "$uri" uri >/dev/null 2>&1; }

# Users and groups (what libvirt-daemon-system's postinst creates).
getent group kvm >/dev/null || $sudo groupadd --system kvm
getent group libvirt-qemu >/dev/null || $sudo groupadd --system libvirt-qemu
if ! getent passwd libvirt-qemu >/dev/null; then
  $sudo useradd --system --no-create-home --home-dir /var/lib/libvirt --shell /usr/sbin/nologin \
    --gid kvm --groups libvirt-qemu --comment "Libvirt Qemu" libvirt-qemu
fi

# /dev/kvm as Debian's udev rule leaves it (GROUP="kvm", MODE="0660").
if [ -c /dev/kvm ] && [ "$(stat -c '%G %a' /dev/kvm)" != "kvm 660" ]; then
  $sudo chgrp kvm /dev/kvm
  $sudo chmod 0660 /dev/kvm
fi

if answers; then
  echo "setup-libvirt: libvirt answers at $uri"
  exit 0
fi

# With systemd and the service units installed (libvirt-daemon-system), let systemd run them.
if [ -d /run/systemd/system ] && systemctl cat libvirtd.service >/dev/null 2>&1; then
  $sudo systemctl start virtlogd.socket libvirtd.socket libvirtd.service
else
  $sudo mkdir -p /var/log/libvirt /run/libvirt
  running() { [ -f "$1" ] && $sudo kill -0 "$(cat "$1")" 2>/dev/null; }
  running /run/virtlogd.pid || $sudo virtlogd --daemon
  running /run/libvirtd.pid || $sudo libvirtd --daemon
fi

# libvirtd probes QEMU's capabilities when it starts: give it time to open its socket.
for _ in $(seq 1 120); do
  if answers; then
    echo "setup-libvirt: libvirt answers at $uri"
    exit 0
  fi
  sleep 0.5
done
echo "setup-libvirt: libvirt does not answer at $uri after 60 s; the end of its log:" >&2
$sudo tail -n 20 /var/log/libvirt/libvirtd.log >&2 || true
exit 1
