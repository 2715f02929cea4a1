#!/usr/bin/env bash
# Re-records the committed traces of workloads/recorded/ (see README.md there). Needs perf (Debian: linux-perf), valgrind,
# gcc and make, run as root (perf reads the kernel's tracepoints). Each trace is written atomically.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
perfsim=(dotnet run --project "$root/src/PerfSim.Cli" -c Release --)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp -r "$here/src" "$scratch/src"
cd "$scratch"

"${perfsim[@]}" record --out "$here/shell-pipeline.bin" -- \
  sh -c 'seq 1 3000 | sort -rn | uniq | wc -l; ls /usr/bin | grep -c e; echo done | tr a-z A-Z'
"${perfsim[@]}" record --mem --mem-sample 8 --out "$here/shell-pipeline-mem.bin" -- \
  sh -c 'seq 1 3000 | sort -rn | uniq | wc -l; ls /usr/bin | grep -c e; echo done | tr a-z A-Z'
"${perfsim[@]}" record --out "$here/gcc-hello.bin" -- gcc -O1 -o hello src/hello.c
"${perfsim[@]}" record --out "$here/make-j2.bin" -- make -s -j2 -C src/proj
"${perfsim[@]}" record --out "$here/tar-gzip.bin" -- tar -czf src.tgz src
"${perfsim[@]}" record --out "$here/python-threads.bin" -- python3 src/threads.py
ls -l "$here"/*.bin
