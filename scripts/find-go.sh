# find-go.sh: sourced by the scripts that build with Go (setup-pulumi.sh, setup-tofu.sh,
# gen-sdk.sh), never run. `find_go PURPOSE` sets GO (from $GO, else `go` on PATH, else
# /usr/local/go/bin/go) and go_version, or stops with `die` saying how to get Go $MIN_GO or
# newer for PURPOSE ("to build the Pulumi CLI"); then it pins the toolchain (never download
# another one) and turns cgo off. The caller defines MIN_GO and die.

ver_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }

find_go() {
    GO=${GO:-}
    if [ -z "$GO" ]; then
        if command -v go >/dev/null 2>&1; then
            GO=$(command -v go)
        elif [ -x /usr/local/go/bin/go ]; then
            GO=/usr/local/go/bin/go
        else
            die "Go >= $MIN_GO is required $1 but was not found (looked on PATH and /usr/local/go/bin/go).
  Install it from https://go.dev/dl/ (e.g. unpack it to /usr/local/go) or with your package
  manager, or point GO=/path/to/go at one, then rerun $0."
        fi
    fi
    go_version=$("$GO" env GOVERSION 2>/dev/null) ||
        die "could not run '$GO env GOVERSION': point GO at a working Go >= $MIN_GO (https://go.dev/dl/)"
    ver_ge "${go_version#go}" "$MIN_GO" ||
        die "Go $MIN_GO or newer is required $1, but $GO is $go_version. Install a newer Go from https://go.dev/dl/."
    export GOTOOLCHAIN=local # never try to download another toolchain
    export CGO_ENABLED=0
}
