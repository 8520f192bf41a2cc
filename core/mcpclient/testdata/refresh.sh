#!/bin/sh
# Refreshes everything.tools.json and filesystem.tools.json: the tools/list
# answers of the MCP servers server-everything and server-filesystem, at the
# versions below, installed from npm into a temporary directory.
set -eu
VERSION=${VERSION:-2026.8.31}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund \
	"@modelcontextprotocol/server-everything@$VERSION" \
	"@modelcontextprotocol/server-filesystem@$VERSION" >/dev/null
cp "$here/list-tools.mjs" .
mods=node_modules/@modelcontextprotocol
mkdir allowed
node list-tools.mjs node "$mods/server-everything/dist/index.js" stdio >"$here/everything.tools.json"
node list-tools.mjs node "$mods/server-filesystem/dist/index.js" "$work/allowed" >"$here/filesystem.tools.json"
echo "refreshed $here/everything.tools.json and $here/filesystem.tools.json"
