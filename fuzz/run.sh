#!/usr/bin/env bash
# Runs fuzz targets one after the other (never in parallel: the machines are
# small and shared) and prints, per target, the seconds, executions and
# whether it crashed. Usage:
#   fuzz/run.sh [SECONDS] [TARGET...]     # default: 20 s, every target
#   FUZZ_KEEP_CORPUS=1 fuzz/run.sh 600    # grow fuzz/corpus/ across runs
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`). Works on stable
# Rust: `-s none` turns off the sanitizer, which is what needs nightly.
# A crash leaves its input in fuzz/artifacts/TARGET/ and the script exits 1.
set -uo pipefail
cd "$(dirname "$0")"
secs=${1:-20}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(dockerfile yaml manifests docker_json suppressions config end_to_end image_archive)
fi
# By default each run starts from the seeds alone, in a scratch directory:
# short runs then cost the same every time (a grown corpus is replayed in
# full before fuzzing starts). FUZZ_KEEP_CORPUS=1 uses and grows
# fuzz/corpus/ instead, for long campaigns.
if [ -n "${FUZZ_KEEP_CORPUS:-}" ]; then
  corpus=$PWD/corpus
else
  corpus=$(mktemp -d)
  trap 'rm -rf "$corpus"' EXIT
fi
CORPUS_DIR=$corpus ./seed.sh > /dev/null
cargo fuzz build -s none || exit 1
mkdir -p logs
status=0
printf '%-14s %8s %12s %10s %s\n' target seconds executions exec/s result
for t in "${targets[@]}"; do
  log="logs/$t.log"
  start=$(date +%s)
  cargo fuzz run -s none "$t" "$corpus/$t" -- -max_total_time="$secs" -timeout=20 \
    -max_len=65536 -print_final_stats=1 > "$log" 2>&1
  rc=$?
  took=$(( $(date +%s) - start ))
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  if [ "$rc" -eq 0 ]; then
    result=ok
  else
    result="CRASH (see fuzz/$log, input in fuzz/artifacts/$t/)"
    status=1
    grep -m1 -E "panicked|ERROR: libFuzzer" "$log" || true
  fi
  printf '%-14s %8s %12s %10s %s\n' "$t" "$took" "${runs:-?}" "${rate:-?}" "$result"
done
# The image_archive target writes its inputs to a scratch directory per process.
rm -rf "${TMPDIR:-/tmp}"/threatbox-fuzz-image-*
exit $status
