#!/usr/bin/env bash
# Installs the Debian packages Corral and its tests use: QEMU (the built-in driver's
# hypervisor) and qemu-img, with qemu-system-common's virtiofsd for virtiofs shares (a dependency of
# qemu-system-x86, named for clarity); busybox-static + cpio to build the tiny test guest; mmdebstrap (with
# mkfs.ext4 from e2fsprogs) to build the real Debian test guest; openssh-client for `corral shell`
# and its SSH key; openssh-server for the remote libvirt tests (an sshd on 127.0.0.1 in front of a second
# libvirtd, e2e/fixtures/remote-host/); chromium for the
# browser tests; xz-utils, bzip2 and curl for the download tests and benchmark; xorriso to
# check the cidata ISO with an independent reader; bubblewrap to sandbox installed drivers;
# libvirt (daemon, its QEMU driver, virsh) for the libvirt driver bundle, which
# scripts/setup-libvirt.sh then starts; iproute2's ss for the QEMU driver's network figures. Run as root or with sudo.
set -euo pipefail
packages=(qemu-system-x86 qemu-system-common qemu-utils busybox-static cpio mmdebstrap e2fsprogs openssh-client openssh-server ca-certificates chromium xz-utils bzip2 curl xorriso bubblewrap libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients iproute2)
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "host packages installed: ${packages[*]}"
