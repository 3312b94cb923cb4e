#!/usr/bin/env bash
# Builds the Pulumi CLI from the Go module proxy into a per-version cache (issue 15 item 1).
#
#   bash tools/engine/build.sh              build (or skip a warm build) and print the time taken
#   bash tools/engine/build.sh --print-bin  print the bin directory the tests put on PATH
#
# The version is the one go.mod requires for github.com/pulumi/pulumi/pkg/v3 (kept equal to
# @pulumi/pulumi in package-lock.json). The Node.js language host is NOT built: the module proxy
# refuses github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3 at every version
# (403 "This module version is not available"), see tools/engine/README.md.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
version=$(awk '$1 == "github.com/pulumi/pulumi/pkg/v3" { print $2 }' "$here/go.mod")
[ -n "$version" ] || { echo "tools/engine/go.mod: no requirement on github.com/pulumi/pulumi/pkg/v3" >&2; exit 2; }
cache=${DAARION_ENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/daarion-engine}
bin=$cache/$version/bin

if [ "${1:-}" = "--print-bin" ]; then echo "$bin"; exit 0; fi
# The official Go tarball installs to /usr/local/go/bin, often not on a non-login PATH.
command -v go >/dev/null || export PATH="/usr/local/go/bin:$PATH"

# A warm cache: the binary is there and reports the pinned version.
if [ -x "$bin/pulumi" ] && [ "$("$bin/pulumi" version 2>/dev/null)" = "$version" ]; then
    echo "engine: pulumi $version already built in $bin (warm, 0 s)"
    exit 0
fi

# Modules and build objects stay in the same cache, so a rebuild after a version bump reuses them.
export GOMODCACHE=$cache/go/mod GOCACHE=$cache/go/build GOTOOLCHAIN=local
# At the lowest priority; on a developer's shared machine one package at a time, in CI (nothing
# else running yet) as many as there are cores.
jobs=1
if [ "${CI:-}" = "true" ]; then jobs=$(nproc); fi
export GOFLAGS="-buildvcs=false -mod=readonly -p=${DAARION_ENGINE_JOBS:-$jobs}"
mkdir -p "$bin"
start=$(date +%s)
cd "$here"
# The version string is a link-time variable; without it `pulumi version` is empty and the
# automation API refuses the CLI. Source: pulumi/pulumi@v3.248.0:sdk/go/common/version/version.go
# (`var Version string`) and the -X flag in pulumi/pulumi@v3.248.0:.goreleaser.yml.
nice -n 19 go mod download
fetched=$(date +%s)
nice -n 19 go build -o "$bin/pulumi.tmp" \
    -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
    github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
# Renamed only when complete, so an interrupted build never looks warm.
mv "$bin/pulumi.tmp" "$bin/pulumi"
end=$(date +%s)
echo "engine: built pulumi $version into $bin in $(( end - start )) s (modules $(( fetched - start )) s, compile $(( end - fetched )) s)"
