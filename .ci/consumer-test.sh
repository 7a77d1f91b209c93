#!/usr/bin/env bash
# Packs Arena, then builds and runs a small consumer from that package alone (a local
# package source), the way a user meets the library: runtime, generator and analyzers
# from one package reference. Exits non-zero on any mismatch.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
feed="$work/feed"
app="$work/consumer"
# A private packages folder: a package restored by an earlier run is never reused.
export NUGET_PACKAGES="$work/packages"

echo "== pack"
dotnet pack src/Arena -c Release -o "$feed" -p:Version=0.1.0-ci >/dev/null
ls "$feed"

mkdir -p "$app"
cat > "$app/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="local" value="$feed" />
  </packageSources>
</configuration>
XML

cat > "$app/Consumer.csproj" <<'XML'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Arena" Version="0.1.0-ci" />
  </ItemGroup>
</Project>
XML

cat > "$app/Program.cs" <<'CS'
using System.Runtime.CompilerServices;
using Arena;

using var heap = new Heap();
using var scope = heap.Scope();       // a mutator region: New allocates collected objects
Ptr<Node> root = heap.New<Node>();
Ptr<Node> child = heap.Alloc<Node>();
root.Value.Left = child;          // generated property: runs the write barrier
root.Value.Item = 42;
child.Value.Item = 7;

int failures = 0;
void Check(bool ok, string what)
{
    if (ok) return;
    failures++;
    Console.Error.WriteLine("MISMATCH: " + what);
}

Check(root.Value.Left == child, "Left reads back what was stored");
Check(root.Value.Left.Value.Item == 7, "the child is reachable through Left");
Check(root.Value.Right.IsNull, "Right starts null");
Check(Info<Node>.Size == Unsafe.SizeOf<Node>(), $"Size {Info<Node>.Size} == sizeof {Unsafe.SizeOf<Node>()}");
Check(Info<Node>.SizeClass == ArenaLayout.SizeClassOf<Node>(), "SizeClass matches the runtime");
Check(Info<Node>.Map.SequenceEqual([0b11UL]), "pointer map has words 0 and 1");
Check(Info<Node>.Name == "Consumer.Node", "Name");
Check(Info<Node>.TypeId == ArenaLayout.TypeIdOf("Consumer.Node"), "TypeId");

Console.WriteLine($"Node: size {Info<Node>.Size}, class {Info<Node>.SizeClass}, map 0x{Info<Node>.Map[0]:x}, left.item {root.Value.Left.Value.Item}");
using (Root<Node> keep = heap.Root(root))
{
    heap.Collect();
    Check(heap.GetStats().HeapObjects == 2, "the rooted object and the manual one survive a collection");
    Check(root.Value.Left.Value.Item == 7, "the child is intact after the collection");
}
heap.Free(child);
heap.Collect();
Check(heap.GetStats().HeapObjects == 0, "unrooted, the collected object is freed");
return failures == 0 ? 0 : 1;

static class Info<T> where T : unmanaged, IArenaType<T>
{
    public static int Size => T.Size;
    public static int SizeClass => T.SizeClass;
    public static string Name => T.Name;
    public static ulong TypeId => T.TypeId;
    public static ulong[] Map => T.PointerMap.ToArray();
}

namespace Consumer
{
    [ArenaType]
    public partial struct Node
    {
        private Ptr<Node> left;
        private Ptr<Node> right;
        public int Item;
    }
}
CS
sed -i 's/^using Arena;$/using Arena;\nusing Consumer;/' "$app/Program.cs"

echo "== build and run the consumer"
dotnet run --project "$app/Consumer.csproj" -c Release

echo "== the analyzers ship too: a non-partial arena type must fail with ARENA001"
cat > "$app/Bad.cs" <<'CS'
namespace Consumer;

[Arena.ArenaType]
public struct NotPartial { public int X; }
CS
if dotnet build "$app/Consumer.csproj" -c Release > "$work/bad.log" 2>&1; then
  echo "MISMATCH: the build with a non-partial arena type succeeded" >&2
  exit 1
fi
if ! grep -q "error ARENA001" "$work/bad.log"; then
  echo "MISMATCH: the failing build did not report ARENA001:" >&2
  tail -20 "$work/bad.log" >&2
  exit 1
fi
echo "ARENA001 reported"
echo "== consumer test passed"
