#!/usr/bin/env bash
# Installs the system packages the build and the checks need when they are
# missing: libseccomp-dev (headers and static library for the Linux
# sandbox's seccomp filter, via cgo), gcc, codespell (the spelling check of
# scripts/test.sh), pytest for the system's Python (a sandbox test), and
# for the release test a static busybox (the commands run in its empty
# root) and file.
set -euo pipefail

need=()
if [ "$(uname -s)" = "Linux" ] && [ ! -e /usr/include/seccomp.h ]; then
	need+=(libseccomp-dev)
fi
if ! command -v gcc >/dev/null 2>&1; then
	need+=(gcc)
fi
if ! command -v codespell >/dev/null 2>&1; then
	need+=(codespell)
fi
# The sandbox tests check that python3 -m pytest keeps working in the
# sandbox, with the system's Python.
if [ "$(uname -s)" = "Linux" ] && command -v apt-get >/dev/null 2>&1 &&
	! /usr/bin/python3 -c 'import pytest' >/dev/null 2>&1; then
	need+=(python3-pytest)
fi
# tests/release_test.go runs the static release binary in an otherwise
# empty root, with busybox's commands, and asks file(1) about it.
if [ "$(uname -s)" = "Linux" ] && command -v apt-get >/dev/null 2>&1; then
	if ! dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed'; then
		need+=(busybox-static)
	fi
	command -v file >/dev/null 2>&1 || need+=(file)
fi
if [ ${#need[@]} -eq 0 ]; then
	exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
	sudo="sudo"
fi
echo "installing system packages: ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${need[@]}" >/dev/null
