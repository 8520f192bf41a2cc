#!/usr/bin/env bash
# Regenerates testdata/reference-v2/: the JSON Schema that the reference
# codex CLI publishes for the v2 app-server protocol, written by
# `codex app-server generate-json-schema` (stable methods only, without
# --experimental), and a README describing it.
#
# The reference comes from npm (@openai/codex at the version below). By
# default it is installed into a temporary directory that is removed
# afterwards. Set CODEX_REF_NPM_DIR to a directory to keep the install
# there instead, or to reuse one made earlier (it is reused when its codex
# reports the expected version, and installed into otherwise).
#
# The files are normalised (keys sorted, two-space indentation, a final
# newline) so that refreshing them gives small, stable diffs.
#
# Needs node and npm.
set -euo pipefail

version=0.171.0
package=@openai/codex@$version

root=$(cd "$(dirname "$0")/.." && pwd)
dest=$root/testdata/reference-v2

for tool in node npm; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "refresh-v2-reference: $tool is required" >&2
		exit 1
	fi
done

work=$(mktemp -d)
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

npmdir=${CODEX_REF_NPM_DIR:-$work/npm}
mkdir -p "$npmdir"
codex=$npmdir/node_modules/.bin/codex

installed=""
if [ -x "$codex" ]; then
	installed=$("$codex" --version 2>/dev/null || true)
fi
if [ "$installed" != "codex-cli $version" ]; then
	echo "installing $package into $npmdir" >&2
	npm install --prefix "$npmdir" --no-save --no-audit --no-fund \
		--loglevel=error "$package" >&2
	installed=$("$codex" --version)
fi
if [ "$installed" != "codex-cli $version" ]; then
	echo "refresh-v2-reference: $codex reports '$installed', want 'codex-cli $version'" >&2
	exit 1
fi

raw=$work/schema
"$codex" app-server generate-json-schema --out "$raw"

# Replace the whole directory, so that files the reference no longer
# writes disappear.
rm -rf "$dest/schema"
mkdir -p "$dest/schema"

normalise='
const fs = require("fs");
const path = require("path");
const [src, out] = process.argv.slice(1);

function sortKeys(v) {
	if (Array.isArray(v)) return v.map(sortKeys);
	if (v !== null && typeof v === "object") {
		const o = {};
		for (const k of Object.keys(v).sort()) o[k] = sortKeys(v[k]);
		return o;
	}
	return v;
}

let count = 0;
function walk(rel) {
	const entries = fs.readdirSync(path.join(src, rel), { withFileTypes: true });
	entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
	for (const e of entries) {
		const r = path.join(rel, e.name);
		if (e.isDirectory()) {
			fs.mkdirSync(path.join(out, r), { recursive: true });
			walk(r);
		} else if (e.name.endsWith(".json")) {
			const v = JSON.parse(fs.readFileSync(path.join(src, r), "utf8"));
			fs.writeFileSync(path.join(out, r), JSON.stringify(sortKeys(v), null, 2) + "\n");
			count++;
		} else {
			throw new Error("unexpected file in the generated schema: " + r);
		}
	}
}
walk("");
console.log(count);
'
count=$(node -e "$normalise" "$raw" "$dest/schema")

read -r methods notifications requests < <(node -e '
const path = require("path");
const n = (f) => require(path.join(process.argv[1], f)).oneOf.length;
console.log(n("ClientRequest.json"), n("ServerNotification.json"), n("ServerRequest.json"));
' "$dest/schema")

cat >"$dest/README.md" <<EOF
# Reference schema of the v2 app-server protocol (codex-cli $version)

\`schema/\` holds the JSON Schema that the reference codex CLI, version
$version (npm package \`$package\`), publishes for its app-server
protocol: the output of

    codex app-server generate-json-schema --out schema

(the stable protocol; methods that need \`--experimental\` are not included).
It is the wire contract our \`codex app-server\` follows, and package
\`internal/refschema\` reads it for tests.

It has $count files:

- \`ClientRequest.json\`: every request a client may send, $methods methods;
  each \`oneOf\` entry pairs a \`method\` with its \`params\`.
- \`ServerNotification.json\`: every notification the server sends, $notifications methods.
- \`ServerRequest.json\`: every request the server sends to the client, $requests methods.
- \`v2/<Name>Params.json\`, \`v2/<Name>Response.json\`,
  \`v2/<Name>Notification.json\`: one file per type of the v2 protocol.
- \`v1/\`: the params and response of \`initialize\`.
- At the top level, one file per type that is not in \`v2/\`: the params
  and responses of the server requests, \`fuzzyFileSearch\`, the JSON-RPC
  envelope (\`JSONRPC*.json\`, \`RequestId.json\`) and
  \`ClientNotification.json\`.
- \`codex_app_server_protocol.schemas.json\`,
  \`codex_app_server_protocol.v2.schemas.json\`: every definition in one file.

The files were normalised after generation: keys sorted, two-space
indentation, one final newline, numbers written in their shortest form.
The content is otherwise as generated.

## Refreshing

    scripts/refresh-v2-reference.sh

installs \`$package\` with npm into a temporary directory,
regenerates \`schema/\` and rewrites this file. Set \`CODEX_REF_NPM_DIR\` to a directory
to install into it, or to reuse an install made there earlier. Review the
diff of \`schema/\` before committing it: it is a change of the contract.
EOF

echo "wrote $count files to ${dest#"$root"/}/schema" >&2
