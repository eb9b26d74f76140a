# go.sh: sourced by the scripts that build with Go (setup-pulumi.sh, setup-tofu.sh,
# setup-language-hosts.sh, setup-quill.sh, gen-sdk.sh), never run. Defines
#   find_go PREFIX [PURPOSE]
#     sets GO to a Go >= $MIN_GO ($GO, else `go` on PATH, else /usr/local/go/bin/go) and
#     GO_VERSION (also go_version) to its version, or exits 1 with a message starting with
#     PREFIX that says how to get one for PURPOSE ("to build the Pulumi CLI"); then pins the
#     toolchain (GOTOOLCHAIN=local: never download another one) and turns cgo off
#     (CGO_ENABLED=0: no C compiler needed).
# The caller sets MIN_GO.

find_go() {
    local prefix=$1 purpose=${2:+ $2}
    GO=${GO:-}
    if [ -z "$GO" ]; then
        if command -v go >/dev/null 2>&1; then
            GO=$(command -v go)
        elif [ -x /usr/local/go/bin/go ]; then
            GO=/usr/local/go/bin/go
        else
            printf '%s ERROR: Go >= %s is required%s but was not found (looked on PATH and /usr/local/go/bin/go).\n  Install it from https://go.dev/dl/ (e.g. unpack it to /usr/local/go) or with your package\n  manager, or point GO=/path/to/go at one, then rerun %s.\n' \
                "$prefix" "$MIN_GO" "$purpose" "$0" >&2
            exit 1
        fi
    fi
    local version
    version=$("$GO" env GOVERSION 2>/dev/null) || {
        printf "%s ERROR: could not run '%s env GOVERSION': point GO at a working Go >= %s (https://go.dev/dl/)\n" "$prefix" "$GO" "$MIN_GO" >&2
        exit 1
    }
    if [ "$(printf '%s\n%s\n' "$MIN_GO" "${version#go}" | sort -V | head -n1)" != "$MIN_GO" ]; then
        printf '%s ERROR: Go %s or newer is required%s, but %s is %s. Install a newer Go from https://go.dev/dl/.\n' \
            "$prefix" "$MIN_GO" "$purpose" "$GO" "$version" >&2
        exit 1
    fi
    GO_VERSION=$version
    go_version=$version
    export GOTOOLCHAIN=local
    export CGO_ENABLED=0
}
