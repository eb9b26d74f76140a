#!/usr/bin/env bash
# setup-quill.sh: build and cache quill (github.com/anchore/quill, from the Go module proxy),
# the tool `npm run release` signs the macOS executables with (ad hoc: macOS runs no unsigned
# code, and Apple's codesign exists only on macOS).  Prints the binary's path on stdout.
#
# Installs $PULUMI_HOME/tools/quill-v<version>/quill (PULUMI_HOME defaults to
# <repo>/.pulumi-home, which git ignores); a second run finds it and only prints the path.
# Built in a throwaway module that requires quill at the pinned version (`go install
# pkg@version` would ask the proxy for the module's version list, which it does not serve),
# in a temporary folder, and renamed into place, so a half-built tool is never used.
#
# Needs: Go >= 1.25.11 (on PATH, or /usr/local/go/bin/go, or $GO) and the Go module proxy.
set -euo pipefail

QUILL_VERSION=0.7.1
MIN_GO=1.25.11

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=lib/go.sh
. "$repo/scripts/lib/go.sh"

PULUMI_HOME=${PULUMI_HOME:-$repo/.pulumi-home}
dir="$PULUMI_HOME/tools/quill-v$QUILL_VERSION"
if [ -x "$dir/quill" ]; then
    echo "$dir/quill"
    exit 0
fi

find_go "[setup-quill]"
work=$(mktemp -d "${TMPDIR:-/tmp}/setup-quill.XXXXXX")
trap 'rm -rf "$work"' EXIT
cat >"$work/go.mod" <<MOD
module agentalias.local/quill-build

go $MIN_GO

require github.com/anchore/quill v$QUILL_VERSION
MOD
cat >"$work/tools.go" <<'GO'
//go:build tools

package tools

import _ "github.com/anchore/quill/cmd/quill"
GO
echo "[setup-quill] building quill v$QUILL_VERSION with $GO_VERSION (first build: a few minutes)..." >&2
(cd "$work" && "$GO" mod tidy && "$GO" build -trimpath -ldflags "-s -w" -o "$work/quill" github.com/anchore/quill/cmd/quill) \
    >"$work/build.log" 2>&1 || {
    tail -n 30 "$work/build.log" >&2
    echo "[setup-quill] ERROR: building quill failed (see above). Is the Go module proxy reachable?" >&2
    exit 1
}
mkdir -p "$dir.partial-$$"
mv "$work/quill" "$dir.partial-$$/quill"
rm -rf "$dir"
mv "$dir.partial-$$" "$dir"
echo "$dir/quill"
