#!/usr/bin/env bash
# Installs the system packages that scripts/release.sh needs to build the
# static Linux binaries, when they are missing: for each Linux target
# architecture given (amd64, arm64; default both) a C compiler for it with
# its C library's static archives, and libseccomp's static archive for it
# (through Debian's multiarch packages, libseccomp-dev:ARCH, for an
# architecture other than the build machine's); zip for the Windows
# archive. Debian and Ubuntu only (apt-get, through sudo when not root).
set -euo pipefail

arches=("$@")
if [ ${#arches[@]} -eq 0 ]; then
	arches=(amd64 arm64)
fi

host=$(dpkg --print-architecture)
need=()
foreign=()
for arch in "${arches[@]}"; do
	case "$arch" in
	amd64) triplet=x86_64-linux-gnu cross=gcc-x86-64-linux-gnu libc=libc6-dev-amd64-cross ;;
	arm64) triplet=aarch64-linux-gnu cross=gcc-aarch64-linux-gnu libc=libc6-dev-arm64-cross ;;
	*)
		echo "ensure-release-deps: unsupported Linux architecture $arch" >&2
		exit 2
		;;
	esac
	if [ "$arch" = "$host" ]; then
		command -v gcc >/dev/null 2>&1 || need+=(gcc)
		[ -e "/usr/lib/$triplet/libc.a" ] || need+=(libc6-dev)
		[ -e "/usr/lib/$triplet/libseccomp.a" ] || need+=(libseccomp-dev)
	else
		command -v "$triplet-gcc" >/dev/null 2>&1 || need+=("$cross")
		[ -e "/usr/$triplet/lib/libc.a" ] || need+=("$libc")
		if [ ! -e "/usr/lib/$triplet/libseccomp.a" ]; then
			need+=("libseccomp-dev:$arch")
			dpkg --print-foreign-architectures | grep -qx "$arch" || foreign+=("$arch")
		fi
	fi
done
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
command -v zip >/dev/null 2>&1 || need+=(zip)
if [ ${#need[@]} -eq 0 ]; then
	exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
	sudo="sudo"
fi
for arch in "${foreign[@]}"; do
	echo "adding the $arch architecture to dpkg" >&2
	$sudo dpkg --add-architecture "$arch"
done
echo "installing system packages: ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${need[@]}" >/dev/null
