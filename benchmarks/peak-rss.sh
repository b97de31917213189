#!/usr/bin/env bash
# Wall time and peak RSS of `fxengine normalize --full` against DuckDB doing the same job in its
# strongest formulation (benchmarks/FxEngine.Benchmarks/DuckDbBaseline.cs), each in a process of
# its own under /usr/bin/time -v, on generated transactions (90 days), plus the row-group sizes
# of each output. Runs alternate between the two, REPEAT times per size.
#
#   benchmarks/peak-rss.sh                      # 1M, 4M and 10M rows, twice each
#   ROWS="1000000" REPEAT=3 benchmarks/peak-rss.sh
#   FXENGINE_ARGS="--memory-budget 384MB" benchmarks/peak-rss.sh
#   ROWS=10000000 INPUT_ROW_GROUP_ROWS=1048576 benchmarks/peak-rss.sh   # input as pyarrow writes it
#
# Data sets are generated once under WORK (default $TMPDIR/fxengine-peak-rss) and reused.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rows_list="${ROWS:-1000000 4000000 10000000}"
repeat="${REPEAT:-2}"
work="${WORK:-${TMPDIR:-/tmp}/fxengine-peak-rss}"
from=2024-01-01
to=2024-03-30 # 90 days
read -r -a fxengine_args <<< "${FXENGINE_ARGS:-}"
input_row_group_rows="${INPUT_ROW_GROUP_ROWS:-250000}" # fxengine generate's default

[[ -x /usr/bin/time ]] || { echo "peak-rss.sh: needs /usr/bin/time (Debian: apt-get install time)" >&2; exit 1; }
bench_dir="$here/benchmarks/FxEngine.Benchmarks/bin/Release/net10.0"
dotnet build "$here/benchmarks/FxEngine.Benchmarks" -c Release -nologo -v:quiet -tl:off "-clp:NoSummary;ErrorsOnly" >&2
bench=(dotnet "$bench_dir/FxEngine.Benchmarks.dll")
"$here/fxengine" --help > /dev/null # builds the CLI first, outside the measurements

# Runs a command under /usr/bin/time -v; prints "<wall s> <peak RSS MiB>".
measure() {
  local log; log="$(mktemp)"
  /usr/bin/time -v "$@" > /dev/null 2> "$log" || { cat "$log" >&2; rm -f "$log"; return 1; }
  awk -F': ' '
    /Elapsed \(wall clock\)/ { n = split($2, t, ":"); wall = (n == 3) ? t[1] * 3600 + t[2] * 60 + t[3] : t[1] * 60 + t[2] }
    /Maximum resident set size/ { rss = $2 / 1024 }
    END { printf "%.2f %.0f\n", wall, rss }' "$log"
  rm -f "$log"
}

echo "# peak-rss.sh on $(hostname), $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| rows | run | fxengine wall | fxengine peak RSS | DuckDB wall | DuckDB peak RSS | ratio (wall) |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
# Where a size's data set lives: the generator's row groups, or another size's in a folder of their own.
data_dir() { if [[ "$input_row_group_rows" == 250000 ]]; then echo "$work/$1"; else echo "$work/$1-rg$input_row_group_rows"; fi; }
declare -A peaks # rows -> fxengine's peak RSS of each run, in MiB

for rows in $rows_list; do
  data="$(data_dir "$rows")"
  if [[ ! -d "$data/raw" ]]; then
    "$here/fxengine" generate --rows "$rows" --out "$data/raw" --from "$from" --to "$to" --seed 1 \
      --row-group-rows "$input_row_group_rows" --rows-per-file "$(( input_row_group_rows > 1000000 ? input_row_group_rows : 1000000 ))" > /dev/null 2>&1
  fi
  [[ -d "$data/rates" ]] || "${bench[@]}" rates "$data/rates" "$from" "$to"
  for ((run = 1; run <= repeat; run++)); do
    engine_cmd=("$here/fxengine" normalize --rates "$data/rates" --input "$data/raw" --output "$data/out-fxengine" --full "${fxengine_args[@]}")
    duck_cmd=("${bench[@]}" duckdb "$data/rates" "$data/raw" "$data/out-duckdb")
    # Alternate which goes first, so neither always runs on a warmer page cache.
    if (( run % 2 == 1 )); then
      read -r ew er < <(measure "${engine_cmd[@]}"); read -r dw dr < <(measure "${duck_cmd[@]}")
    else
      read -r dw dr < <(measure "${duck_cmd[@]}"); read -r ew er < <(measure "${engine_cmd[@]}")
    fi
    ratio="$(awk -v e="$ew" -v d="$dw" 'BEGIN { printf "%.2f", e / d }')"
    echo "| $(printf "%'d" "$rows") | $run | ${ew} s | ${er} MiB | ${dw} s | ${dr} MiB | ${ratio} |"
    peaks[$rows]+="$er "
  done
done
echo
for rows in $rows_list; do
  echo "- $(printf "%'d" "$rows") rows, fxengine: $("${bench[@]}" rowgroups "$(data_dir "$rows")/out-fxengine")"
  echo "- $(printf "%'d" "$rows") rows, DuckDB: $("${bench[@]}" rowgroups "$(data_dir "$rows")/out-duckdb")"
done
# Issue 11's flatness: each size's median fxengine peak against the first size's.
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
first=""
for rows in $rows_list; do
  m="$(echo "${peaks[$rows]}" | median)"
  [[ -n "$first" ]] || first="$m"
  echo "- $(printf "%'d" "$rows") rows, fxengine median peak: $m MiB ($(awk -v m="$m" -v f="$first" 'BEGIN { printf "%+.1f%%", (m / f - 1) * 100 }') against $(printf "%'d" "${rows_list%% *}") rows)"
done
