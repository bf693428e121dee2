#!/usr/bin/env bash
# Builds CPython 3.12, the Lambda runtime's Python (cdk/tradetrack_infra/layers.py RUNTIME), from
# source, for two jobs the machine's Python 3.11 cannot do:
#   - compile the layers' bytecode (.pyc is per minor version; Lambda's /opt is read-only, so a
#     layer shipped without 3.12 bytecode is compiled from source on every cold start);
#   - run the cold-start benchmark on the runtime's interpreter (scripts/bench_cold_start.py).
# Every 3.12.x release reads the same bytecode (magic number 3531), so the patch level Lambda runs
# need not match this one.
#
# The source is CPython's git tag as the Go module proxy serves it (a registry this machine
# reaches), checked by `go mod download` against Go's checksum database. Idempotent: the build is
# cached in $TRADETRACK_CACHE (default ~/.cache/tradetrack) and reused.
set -euo pipefail

VERSION="3.12.14"
CACHE="${TRADETRACK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tradetrack}"
PREFIX="$CACHE/python-$VERSION"
OUT="$PREFIX/bin/python3.12"

if [ -x "$OUT" ]; then
  echo "python $VERSION: cached at $OUT"
  exit 0
fi
for tool in go cc make; do
  command -v "$tool" >/dev/null || { echo "build_lambda_python: $tool is required (not on PATH)" >&2; exit 1; }
done

echo "python $VERSION: downloading the source (github.com/python/cpython v$VERSION via the Go module proxy)"
src=$(cd "$(mktemp -d)" && go mod download -json "github.com/python/cpython@v$VERSION+incompatible" \
      | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("Dir") or sys.exit(d.get("Error")))')

work=$(mktemp -d)
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
cp -r "$src/." "$work/"
chmod -R u+w "$work"

echo "python $VERSION: configure and make (first time takes several minutes)"
rm -rf "$PREFIX.tmp"
(
  cd "$work"
  # The module zip keeps no executable bits: run the scripts through sh.
  sh ./configure -q --prefix="$PREFIX.tmp" --without-ensurepip --disable-test-modules >"$work/configure.log" 2>&1 \
    || { tail -30 "$work/configure.log" >&2; exit 1; }
  make -j"$(nproc)" -s >"$work/make.log" 2>&1 || { tail -40 "$work/make.log" >&2; exit 1; }
  make -s install >"$work/install.log" 2>&1 || { tail -40 "$work/install.log" >&2; exit 1; }
)
# What the layers' packages need from the standard library (TLS to Mongo and Redis, compression,
# decimal money, ctypes for cffi).
"$PREFIX.tmp/bin/python3.12" -c "import ssl, zlib, lzma, bz2, ctypes, decimal, json, uuid" \
  || { echo "build_lambda_python: the built interpreter lacks a standard module" >&2; exit 1; }
rm -rf "$PREFIX"
mv "$PREFIX.tmp" "$PREFIX"
echo "python $VERSION: built $OUT"
