#!/usr/bin/env bash
# Installs the Debian packages Corral and its tests use: QEMU (the built-in driver's
# hypervisor) and qemu-img; busybox-static + cpio to build the test guest; chromium for the
# browser tests; xz-utils, bzip2 and curl for the download tests and benchmark; xorriso to
# check the cidata ISO with an independent reader; bubblewrap to sandbox installed drivers;
# libvirt (daemon, its QEMU driver, virsh) for the libvirt driver bundle, which
# scripts/setup-libvirt.sh then starts. Run as root or with sudo.
set -euo pipefail
packages=(qemu-system-x86 qemu-utils busybox-static cpio ca-certificates chromium xz-utils bzip2 curl xorriso bubblewrap libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients)
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "host packages installed: ${packages[*]}"
