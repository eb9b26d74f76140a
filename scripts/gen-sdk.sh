#!/usr/bin/env bash
# gen-sdk.sh: generate the native provider's Python and Go SDKs (sdk/python, sdk/go) from
# schema.json with Pulumi's code generators (tools/sdkgen).  `npm run sdk` writes
# schema.json first and then runs this.
#
# Builds tools/sdkgen into $PULUMI_HOME/tools/sdkgen (PULUMI_HOME defaults to
# <repo>/.pulumi-home, which git ignores) and reuses it until tools/sdkgen's sources or the
# Go version change.  Runs `go mod tidy` in the generated Go module, which writes its go.sum.
#
# Needs: Go >= 1.25.11 (on PATH, or /usr/local/go/bin/go, or $GO) and a Go module proxy
# (the modules are the Pulumi CLI's, so after scripts/setup-pulumi.sh they are cached).
#
# Usage: scripts/gen-sdk.sh [--schema FILE] [--out DIR]
#   --schema FILE  the package schema (default <repo>/schema.json)
#   --out DIR      write DIR/python and DIR/go instead of <repo>/sdk (the test that checks
#                  the checked-in SDKs are current generates into a temporary DIR)
#   Each SDK directory is generated beside its target and swapped in, so a failed run
#   leaves the previous SDK in place.
set -euo pipefail

MIN_GO=1.25.11

say() { printf '[gen-sdk] %s\n' "$*"; }
die() { printf '[gen-sdk] ERROR: %s\n' "$*" >&2; exit 1; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
schema="$repo/schema.json"
out="$repo/sdk"
while [ $# -gt 0 ]; do
    case "$1" in
    --schema) [ $# -ge 2 ] || die "--schema needs a file"; schema=$2; shift 2 ;;
    --out) [ $# -ge 2 ] || die "--out needs a directory"; out=$2; shift 2 ;;
    -h | --help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument: $1 (usage: $0 [--schema FILE] [--out DIR])" ;;
    esac
done
[ -f "$schema" ] || die "no schema at $schema (run \`npm run schema\` first)"

PULUMI_HOME=${PULUMI_HOME:-$repo/.pulumi-home}
src="$repo/tools/sdkgen"
cache="$PULUMI_HOME/tools/sdkgen"

# --- Go --------------------------------------------------------------------
# shellcheck source=lib/go.sh
. "$repo/scripts/lib/go.sh"
find_go "[gen-sdk]" "to generate the SDKs"
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod"

work=$(mktemp -d "${TMPDIR:-/tmp}/gen-sdk.XXXXXX")
trap 'rm -rf "$work"; rm -f "$cache"/.sdkgen.*.partial 2>/dev/null || true' EXIT

# --- tools/sdkgen, cached --------------------------------------------------
want=$(cat "$src/go.mod" "$src/go.sum" "$src"/*.go | sha256sum | cut -d' ' -f1)
want="$go_version $want"
if [ -x "$cache/sdkgen" ] && [ -f "$cache/.stamp" ] && [ "$(cat "$cache/.stamp")" = "$want" ]; then
    :
else
    start=$SECONDS
    say "building tools/sdkgen (first build: a few minutes; later: seconds)..."
    mkdir -p "$cache" || die "cannot create $cache"
    (cd "$src" && "$GO" build -trimpath -o "$work/sdkgen" . >"$work/build.log" 2>&1) || {
        tail -n 30 "$work/build.log" >&2
        die "compiling tools/sdkgen failed (see above)"
    }
    # Installed with a rename and stamped after, so a half-built tool is never reused.
    rm -f "$cache/.stamp"
    cp "$work/sdkgen" "$cache/.sdkgen.$$.partial" && mv -f "$cache/.sdkgen.$$.partial" "$cache/sdkgen" ||
        die "could not install sdkgen into $cache"
    printf '%s\n' "$want" >"$cache/.stamp.$$" && mv -f "$cache/.stamp.$$" "$cache/.stamp"
    say "built sdkgen in $((SECONDS - start))s"
fi

# --- generate --------------------------------------------------------------
"$cache/sdkgen" "$schema" "$out/python" "$out/go" || die "generating the SDKs from $schema failed (see above)"
(cd "$out/go" && "$GO" mod tidy >"$work/tidy.log" 2>&1) || {
    tail -n 30 "$work/tidy.log" >&2
    die "go mod tidy in $out/go failed (see above). Is the Go module proxy reachable? (GOPROXY=$("$GO" env GOPROXY))"
}
say "done: $out/python, $out/go"
