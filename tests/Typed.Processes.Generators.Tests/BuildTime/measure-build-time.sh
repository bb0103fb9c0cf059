#!/usr/bin/env bash
# Measures what the source generator adds to build time for a project with N entries (default 200), each with three
# topics and a typed main. Builds the same project with and without the generator, several times, and prints the
# median wall-clock times and the generator's own time as the compiler reports it (ReportAnalyzer).
# Usage: tests/Typed.Processes.Generators.Tests/BuildTime/measure-build-time.sh [entries] [runs]
set -euo pipefail
N=${1:-200}
RUNS=${2:-3}
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

make_project() { # $1 = dir, $2 = with generator (1/0)
  mkdir -p "$1"
  local gen=""
  if [ "$2" = 1 ]; then
    gen="<ProjectReference Include=\"$ROOT/generators/Typed.Processes.Generators/Typed.Processes.Generators.csproj\" OutputItemType=\"Analyzer\" ReferenceOutputAssembly=\"false\" />"
  fi
  cat > "$1/Big.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net10.0</TargetFramework><Nullable>enable</Nullable><RootNamespace>Big</RootNamespace>
  <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally><TreatWarningsAsErrors>false</TreatWarningsAsErrors></PropertyGroup>
  <ItemGroup>
    <ProjectReference Include="$ROOT/src/Typed.Processes/Typed.Processes.csproj" />
    $gen
    <CompilerVisibleProperty Include="RootNamespace" />
  </ItemGroup>
</Project>
XML
  for i in $(seq 1 "$N"); do
    cat > "$1/Entry$i.cs" <<CS
using System.Threading.Tasks;
using Typed.Processes;
namespace Big.Workers$((i % 10));
public sealed record Request$i(string Text, int Count);
[ProcessEntry("big.workers:entry$i")]
public partial class Entry$i
{
    [ProcessMain] void Start(string name, long size) { }
    [Topic("work")] Task OnWork(Request$i request, MessageContext ctx) => Task.CompletedTask;
    [Topic("ping")] void OnPing(long n, MessageContext ctx) => ctx.Reply("pong", n);
    [Topic("stop")] void OnStop(MessageContext ctx) => ctx.Stop();
}
CS
  done
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

time_builds() { # $1 = dir; prints median ms of a full compile (restore done once)
  (cd "$1" && dotnet build -c Release -v:q -nologo > /dev/null)
  for _ in $(seq 1 "$RUNS"); do
    touch "$1/Entry1.cs"
    local s=$(date +%s%N)
    (cd "$1" && dotnet build -c Release --no-restore --no-dependencies -v:q -nologo > /dev/null)
    echo $(( ($(date +%s%N) - s) / 1000000 ))
  done | median
}

make_project "$WORK/with" 1
make_project "$WORK/without" 0
with=$(time_builds "$WORK/with")
without=$(time_builds "$WORK/without")
touch "$WORK/with/Entry1.cs"
gen=$(cd "$WORK/with" && dotnet build -c Release --no-restore --no-dependencies -nologo -v:d -p:ReportAnalyzer=true 2>/dev/null \
  | grep -E "ProcessEntryGenerator|Total generator execution time" | head -2 | tr -s ' ' | paste -sd ';' || true)
echo "entries: $N, runs: $RUNS"
echo "build without generator (median): ${without} ms"
echo "build with generator (median):    ${with} ms"
echo "difference:                        $((with - without)) ms"
echo "generator time reported by csc:    ${gen:-n/a}"
