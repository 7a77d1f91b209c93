#!/usr/bin/env bash
# Runs Go's binary-trees beside Arena's variants, when a Go toolchain is installed.
#   bench/go/run.sh [depth]      (default 21)
# Prints Go's time and peak memory, checks its output, then runs the same depth for the
# .NET and Arena variants through the comparison's child mode, so all figures come from
# one machine in one session.
set -euo pipefail
cd "$(dirname "$0")/../.."
depth="${1:-21}"

if ! command -v go >/dev/null 2>&1; then
  echo "Go is not installed here: skipping the Go run. Install a Go toolchain (https://go.dev/dl/) and run this script again."
  exit 0
fi

bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
(cd bench/go && go build -o "$bin/binarytrees" binarytrees.go)

expected="bench/Arena.Benchmarks/Data/binarytrees-$depth.txt"
/usr/bin/time -f "go: %e s, peak %M KB" "$bin/binarytrees" "$depth" > "$bin/out.txt" 2> "$bin/time.txt"
cat "$bin/time.txt"
if [ -f "$expected" ]; then
  if diff -q "$expected" "$bin/out.txt" >/dev/null; then echo "go: output correct"; else echo "go: WRONG output"; exit 1; fi
fi

dotnet build -c Release bench/Arena.Benchmarks >/dev/null
dll=bench/Arena.Benchmarks/bin/Release/net10.0/Arena.Benchmarks.dll
for v in dotnet-1t dotnet-par arena-scope arena-scope-1t arena-heap arena-gc arena-gen arena-pool; do
  server=0; [ "$v" = dotnet-par ] && server=1
  if DOTNET_gcServer=$server dotnet "$dll" --variant "$v" --depth "$depth" > "$bin/$v.txt" 2>/dev/null; then
    printf '%s: %s s, peak %s bytes\n' "$v" "$(grep '^#seconds' "$bin/$v.txt" | cut -d' ' -f2)" "$(grep '^#peak-bytes' "$bin/$v.txt" | cut -d' ' -f2)"
  fi
done
