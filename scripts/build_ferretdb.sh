#!/usr/bin/env bash
# Builds FerretDB v1.24.2 (the MongoDB-wire server the test suite runs against) from its Go module.
# Idempotent: the binary is cached in $TRADETRACK_CACHE (default ~/.cache/tradetrack) and reused.
set -euo pipefail

VERSION="v1.24.2"
CACHE="${TRADETRACK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tradetrack}"
OUT="$CACHE/ferretdb-$VERSION/ferretdb"

if [ -x "$OUT" ]; then
  echo "ferretdb $VERSION: cached at $OUT"
  exit 0
fi
command -v go >/dev/null || { echo "build_ferretdb: the Go toolchain is required (go not on PATH)" >&2; exit 1; }

echo "ferretdb $VERSION: downloading the module"
src=$(cd "$(mktemp -d)" && go mod download -json "github.com/FerretDB/FerretDB@$VERSION" \
      | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("Dir") or sys.exit(d.get("Error")))')

work=$(mktemp -d)
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
cp -r "$src/." "$work/"
chmod -R u+w "$work"
# The binary panics at start without version.txt; the module carries none (it comes from git describe).
echo "$VERSION" > "$work/build/version/version.txt"

echo "ferretdb $VERSION: go build (first time takes a few minutes)"
mkdir -p "$(dirname "$OUT")"
(cd "$work" && GOTOOLCHAIN=local CGO_ENABLED=0 go build -buildvcs=false -trimpath -o "$OUT.tmp" ./cmd/ferretdb)
mv "$OUT.tmp" "$OUT"
echo "ferretdb $VERSION: built $OUT"
