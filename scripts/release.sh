#!/usr/bin/env bash
# Builds the release binaries of codex and packs them under dist/:
#
#   dist/codex-VERSION-OS-ARCH/codex[.exe]        the binary, README.md
#   dist/codex-VERSION-OS-ARCH.tar.gz (.zip for Windows)
#   dist/SHA256SUMS                               sha256sum of every archive
#
# Usage: scripts/release.sh [OS/ARCH ...]
# With no argument it builds every target: linux/amd64, linux/arm64,
# darwin/amd64, darwin/arm64, windows/amd64. Environment:
#   VERSION  the version to stamp (default: from git, see below)
#   DIST     the output directory (default: dist)
#
# The version is the git tag of HEAD without its leading v (v1.2.3 gives
# 1.2.3); without such a tag, git describe's answer from the latest v* tag
# (1.2.3-4-gabcdef0); without any tag, the version in internal/version
# followed by -dev.g<commit>. A working tree with changes to tracked files
# adds -dirty (.dirty in the last case).
#
# Linux binaries are linked fully statically (cgo, glibc's and libseccomp's
# static archives, -extldflags -static, the codex_static build tag): they
# load no shared library, so none can be planted next to the sandbox
# helper, and they run on any Linux of their architecture. The compilers
# and archives they need are installed by scripts/ensure-release-deps.sh.
# macOS and Windows binaries need no C code (the macOS sandbox runs
# /usr/bin/sandbox-exec) and are built with cgo off.
set -euo pipefail
cd "$(dirname "$0")/.."

all=(linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	targets=("${all[@]}")
fi
for t in "${targets[@]}"; do
	case " ${all[*]} " in
	*" $t "*) ;;
	*)
		echo "release: unknown target $t (known: ${all[*]})" >&2
		exit 2
		;;
	esac
done

# version prints the version to stamp.
version() {
	if [ -n "${VERSION:-}" ]; then
		echo "${VERSION#v}"
		return
	fi
	local v
	if v=$(git describe --tags --match 'v[0-9]*' --dirty 2>/dev/null); then
		echo "${v#v}"
		return
	fi
	local base sha
	base=$(sed -n 's/^var Version = "\(.*\)"$/\1/p' internal/version/version.go)
	sha=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
	v="${base:-0.0.0}-dev.g$sha"
	if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
		v="$v.dirty"
	fi
	echo "$v"
}

ver=$(version)
dist=${DIST:-dist}
mkdir -p "$dist"
# The output directory holds what this run builds, and SHA256SUMS lists
# exactly that.
rm -rf "$dist"/codex-* "$dist/SHA256SUMS"
# Archives get the commit's time and no owner, so that two builds of one
# commit give the same archives.
stamp=$(git log -1 --format=%ct 2>/dev/null || date +%s)
ldflags="-s -w -X github.com/codex-go/codex/internal/version.Version=$ver"

linux_arches=()
for t in "${targets[@]}"; do
	case "$t" in linux/*) linux_arches+=("${t#linux/}") ;; esac
done
if [ ${#linux_arches[@]} -gt 0 ]; then
	scripts/ensure-release-deps.sh "${linux_arches[@]}"
fi
host=$(go env GOHOSTARCH)

# build OS ARCH OUT builds one binary.
build() {
	local goos=$1 goarch=$2 out=$3
	if [ "$goos" != linux ]; then
		CGO_ENABLED=0 GOOS=$goos GOARCH=$goarch \
			go build -trimpath -ldflags "$ldflags" -o "$out" ./cmd/codex
		return
	fi
	local triplet cc
	case "$goarch" in
	amd64) triplet=x86_64-linux-gnu ;;
	arm64) triplet=aarch64-linux-gnu ;;
	esac
	cc=gcc
	if [ "$goarch" != "$host" ]; then
		cc=$triplet-gcc
	fi
	# pkg-config (asked by libseccomp-golang) reads the target's own
	# libseccomp.pc; netgo and osusergo keep the Go resolver and user
	# look-ups, which need no glibc NSS modules at run time.
	CGO_ENABLED=1 GOOS=linux GOARCH=$goarch CC=$cc \
		PKG_CONFIG_LIBDIR=/usr/lib/$triplet/pkgconfig \
		go build -trimpath -tags netgo,osusergo,codex_static \
		-ldflags "$ldflags -linkmode external -extldflags -static" \
		-o "$out" ./cmd/codex
	# A release binary that needs a program interpreter (ld.so) or a
	# shared library is not static: refuse to ship it.
	if LC_ALL=C readelf -lW "$out" | grep -q 'INTERP' ||
		LC_ALL=C readelf -dW "$out" | grep -q '(NEEDED)'; then
		echo "release: $out is not statically linked" >&2
		exit 1
	fi
}

archives=()
for t in "${targets[@]}"; do
	goos=${t%/*} goarch=${t#*/}
	name="codex-$ver-$goos-$goarch"
	exe=codex
	[ "$goos" = windows ] && exe=codex.exe
	echo "== $t: $dist/$name" >&2
	rm -rf "${dist:?}/$name"
	mkdir -p "$dist/$name"
	build "$goos" "$goarch" "$dist/$name/$exe"
	cp README.md "$dist/$name/"
	touch -d "@$stamp" "$dist/$name" "$dist/$name"/*
	if [ "$goos" = windows ]; then
		archive="$name.zip"
		rm -f "$dist/$archive"
		(cd "$dist" && zip -q -X -r "$archive" "$name")
	else
		archive="$name.tar.gz"
		tar -C "$dist" --sort=name --owner=0 --group=0 --numeric-owner \
			--mtime="@$stamp" -cf - "$name" | gzip -n -9 >"$dist/$archive"
	fi
	archives+=("$archive")
done

(cd "$dist" && sha256sum "${archives[@]}" >SHA256SUMS)
echo "== version $ver; checksums in $dist/SHA256SUMS:" >&2
cat "$dist/SHA256SUMS" >&2
