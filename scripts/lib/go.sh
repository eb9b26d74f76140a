# go.sh: sourced by the setup scripts that build Go tools.  Defines
#   find_go PREFIX   sets GO to a Go >= $MIN_GO ($GO, else `go` on PATH, else
#                    /usr/local/go/bin/go) or dies with a message that starts with PREFIX;
#                    exports GOTOOLCHAIN=local (never download another toolchain) and
#                    CGO_ENABLED=0 (no C compiler needed).
# The caller sets MIN_GO.

find_go() {
    local prefix=$1
    GO=${GO:-}
    if [ -z "$GO" ]; then
        if command -v go >/dev/null 2>&1; then
            GO=$(command -v go)
        elif [ -x /usr/local/go/bin/go ]; then
            GO=/usr/local/go/bin/go
        else
            printf '%s ERROR: Go >= %s is needed but was not found (looked on PATH and /usr/local/go/bin/go); install it from https://go.dev/dl/ or set GO=/path/to/go\n' "$prefix" "$MIN_GO" >&2
            exit 1
        fi
    fi
    local version
    version=$("$GO" env GOVERSION 2>/dev/null) || {
        printf "%s ERROR: could not run '%s env GOVERSION': point GO at a working Go >= %s\n" "$prefix" "$GO" "$MIN_GO" >&2
        exit 1
    }
    if [ "$(printf '%s\n%s\n' "$MIN_GO" "${version#go}" | sort -V | head -n1)" != "$MIN_GO" ]; then
        printf '%s ERROR: Go %s or newer is needed, but %s is %s\n' "$prefix" "$MIN_GO" "$GO" "$version" >&2
        exit 1
    fi
    GO_VERSION=$version
    export GOTOOLCHAIN=local
    export CGO_ENABLED=0
}
