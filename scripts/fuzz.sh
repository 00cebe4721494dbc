#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# scripts/fuzz.sh [RUNS] [TARGET] [LIBFUZZER OPTION...] — a fuzzing campaign (SPEC R5) on one
# core: builds build-fuzz (clang, meson -Dfuzz=true: libFuzzer, ASan, UBSan) when needed, runs
# TARGET (fuzz_tcp, the default, or fuzz_input; tests/fuzz/) for RUNS executions (default
# 100000), then prints one readable line and one JSON line:
#   fuzz_tcp: 1000000 execs in 600.0 s (1667 exec/s; 1700 per CPU second), coverage 1200 edges / 4000 features, corpus 900 inputs, 0 crash(es)
#   {"target": "fuzz_tcp", "execs": 1000000, "exec_per_s": 1667, "coverage": 1200, ...}
# (coverage: edges of tcpterm's code and the harness libFuzzer saw, DPDK not instrumented;
# corpus: the inputs libFuzzer keeps, each adding coverage)
# The corpus grows in build-fuzz/fuzz-corpus/TARGET (kept between campaigns, seeded from
# tests/fuzz/corpus/TARGET, which is never written); crashes, leaks and timeouts land in
# build-fuzz/fuzz-artifacts/TARGET/ with the input that caused them, to replay with
#   build-fuzz/tests/fuzz/TARGET FILE
# Exit status: 0 when the campaign found no crash, leak or timeout (slow units, inputs far
# slower than the rest, are counted apart and left in the artifacts), 1 when it found one,
# 2 on bad usage or a failed build. SIGINT to the fuzzer's process (not this script's) ends
# a campaign early and still reports it: the line says "interrupted", the execs are those
# run. Extra arguments go to libFuzzer (e.g. -seed=1, -max_len=4096).
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2

RUNS=${1:-100000}
TARGET=${2:-fuzz_tcp}
shift $(($# < 2 ? $# : 2))
BUILD=build-fuzz

case "$RUNS" in
''|*[!0-9]*) echo "fuzz.sh: RUNS must be a number of executions, not '$RUNS'"; exit 2 ;;
esac
case "$TARGET" in
fuzz_tcp) max_len=2048 ;;
fuzz_input) max_len=1514 ;;   # one Ethernet frame without FCS
*) echo "fuzz.sh: unknown target '$TARGET' (fuzz_tcp or fuzz_input)"; exit 2 ;;
esac
command -v clang >/dev/null 2>&1 ||
	{ echo "fuzz.sh: needs clang and libFuzzer (bash scripts/setup.sh installs them)"; exit 2; }

log=$(mktemp /tmp/tcpterm-fuzz.XXXXXX.log)
trap 'rm -f "$log"' EXIT
if [ ! -f "$BUILD/meson-private/coredata.dat" ]; then
	CC=clang meson setup "$BUILD" -Dfuzz=true >"$log" 2>&1 </dev/null ||
		{ tail -n 30 "$log"; echo "fuzz.sh: meson setup $BUILD failed"; exit 2; }
fi
ninja -C "$BUILD" "tests/fuzz/$TARGET" >"$log" 2>&1 </dev/null ||
	{ grep -E 'error|FAILED' "$log" | head -n 30; echo "fuzz.sh: the build failed"; exit 2; }

corpus=$BUILD/fuzz-corpus/$TARGET
artifacts=$BUILD/fuzz-artifacts/$TARGET
mkdir -p "$corpus" "$artifacts"
# libFuzzer's slow-unit-* files are findings to read (an input far slower than the rest),
# not failures; crash-, leak-, timeout- and oom- files are failures.
count_found() { find "$artifacts" -type f ! -name 'slow-unit-*' | wc -l; }
count_slow() { find "$artifacts" -type f -name 'slow-unit-*' | wc -l; }
found_before=$(count_found)
slow_before=$(count_slow)

# One process, one core. -timeout: an input that runs for 30 s is a hang worth a report
# (an input normally takes about a millisecond). detect_leaks: LeakSanitizer per input.
# CPU seconds beside wall seconds: on a shared machine exec/s by the wall clock says more
# about the neighbours than about tcpterm.
cpu=$(mktemp /tmp/tcpterm-fuzz-cpu.XXXXXX)
trap 'rm -f "$log" "$cpu"' EXIT
TIMEFORMAT='%U %S'
start=$(date +%s.%N)
{ time "$BUILD/tests/fuzz/$TARGET" -runs="$RUNS" -max_len="$max_len" -timeout=30 \
	-print_final_stats=1 -artifact_prefix="$artifacts/" "$@" "$corpus" \
	"tests/fuzz/corpus/$TARGET" >"$log" 2>&1 </dev/null; } 2>"$cpu"
rc=$?
end=$(date +%s.%N)

found=$(($(count_found) - found_before))
slow=$(($(count_slow) - slow_before))
# libFuzzer's status after SIGINT (-interrupted_exit_code): a campaign stopped early (to free
# the cores, or at the end of a working session) counts what it ran; the corpus it grew stays.
interrupted=0
if [ "$rc" -eq 72 ] && [ "$found" -eq 0 ]; then
	interrupted=1
	rc=0
fi
if [ "$rc" -ne 0 ]; then
	# What libFuzzer and the sanitizers said about it.
	grep -E 'ERROR|SUMMARY|fuzz_tcp:|fuzz_input:|Test unit written|runtime error|^    #[0-9] ' \
		"$log" | head -n 40
	[ "$found" -gt 0 ] || found=1
fi

/usr/bin/python3 - "$TARGET" "$start" "$end" "$found" "$rc" "$corpus" "$log" "$cpu" "$interrupted" "$slow" <<'EOF'
import json, os, re, sys
target, start, end, found, rc, corpus, log, cpu, interrupted, slow = sys.argv[1:]
wall = float(end) - float(start)
try:
    cpu_s = sum(float(x) for x in open(cpu).read().split()[-2:])
except (OSError, ValueError):
    cpu_s = 0.0
text = open(log, errors='replace').read()
execs = cov = ft = corp = None
for m in re.finditer(r'^#(\d+)\s+\S+\s+cov: (\d+) ft: (\d+) corp: (\d+)', text, re.M):
    execs, cov, ft, corp = (int(g) for g in m.groups())
m = re.search(r'stat::number_of_executed_units: (\d+)', text)
if m:
    execs = int(m.group(1))
m = re.search(r'stat::average_exec_per_sec:\s+(\d+)', text)
eps = int(m.group(1)) if m else 0
if eps == 0 and execs and wall > 0:
    eps = round(execs / wall)   # libFuzzer divides by whole seconds: 0 for a short run
# The corpus libFuzzer keeps in memory (inputs that each add coverage), and the files of
# the working corpus directory (every input ever found new, not minimised).
res = {'target': target, 'execs': execs or 0, 'exec_per_s': eps, 'coverage': cov or 0,
       'features': ft or 0, 'corpus': corp or 0, 'corpus_files': len(os.listdir(corpus)),
       'crashes': int(found), 'slow_units': int(slow), 'wall_s': round(wall, 1), 'cpu_s': round(cpu_s, 1),
       'exec_per_cpu_s': round(execs / cpu_s) if execs and cpu_s else 0,
       'libfuzzer_status': int(rc), 'interrupted': interrupted == '1'}
print(f"{target}: {res['execs']} execs in {wall:.1f} s ({eps} exec/s; {res['exec_per_cpu_s']} per CPU"
      f" second), coverage {res['coverage']} edges / {res['features']} features, corpus"
      f" {res['corpus']} inputs, {found} crash(es), {slow} slow unit(s)"
      + (" (interrupted: stopped early by SIGINT)" if interrupted == '1' else ''))
print(json.dumps(res))
EOF
[ "$found" -eq 0 ] && [ "$rc" -eq 0 ]
