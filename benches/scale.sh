#!/usr/bin/env bash
# Benchmark of the tracker commands as the number of submissions grows.
#
#   For N = 100, 1000, 5000 submissions in an embedded (local:) tracker, times
#   `status`, `status --explain`, `sweep --dry-run` (with nothing to do) and one
#   key lookup, then prints ratios: sweep/status and explain/status at each N
#   (per-issue overhead beyond the listing), and each command at the largest N
#   against the smallest (how it scales).
#
# Every figure is a ratio against a measurement of the same run; the script exits
# 0 whatever the figures, and non-zero only when something broke. See benches/README.md.
set -euo pipefail
shopt -s inherit_errexit nullglob

usage() {
    cat <<'EOF'
Usage: benches/scale.sh [--json FILE] [--bin PATH] [--runs N] [--sizes "N1 N2 ..."]

  --json FILE    also write the figures as JSON to FILE
  --bin PATH     umd-release binary to measure (default: build it with
                 `cargo build --release --locked` and use target/release/umd-release)
  --runs N       timed runs per measurement, the median is kept (default: 5)
  --sizes LIST   numbers of submissions, ascending (default: "100 1000 5000")
  -h, --help     this help

Uses hyperfine when installed, else a loop timed with `date +%s%N`.
Needs about 40 MiB free in $TMPDIR (default /tmp) and 1-2 minutes on 2 cores.
EOF
}

log() { printf '[bench] %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 2
}

JSON_OUT=""
BIN=""
RUNS=5
SIZES="100 1000 5000"
while (($# > 0)); do
    case $1 in
    --json | --bin | --runs | --sizes)
        (($# >= 2)) || die "$1 needs a value"
        case $1 in
        --json) JSON_OUT=$2 ;;
        --bin) BIN=$2 ;;
        --runs) RUNS=$2 ;;
        --sizes) SIZES=$2 ;;
        esac
        shift 2
        ;;
    --json=*) JSON_OUT=${1#--json=} && shift ;;
    --bin=*) BIN=${1#--bin=} && shift ;;
    --runs=*) RUNS=${1#--runs=} && shift ;;
    --sizes=*) SIZES=${1#--sizes=} && shift ;;
    -h | --help)
        usage
        exit 0
        ;;
    *)
        usage >&2
        die "unknown argument: $1"
        ;;
    esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer"
read -r -a SIZE_LIST <<<"$SIZES"
((${#SIZE_LIST[@]} >= 1)) || die "--sizes is empty"
for n in "${SIZE_LIST[@]}"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "--sizes: \`$n\` is not a positive integer"
done
if [[ -n $JSON_OUT && $JSON_OUT != /* ]]; then JSON_OUT=$PWD/$JSON_OUT; fi
if [[ -n $BIN && $BIN != /* ]]; then BIN=$PWD/$BIN; fi

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEMO=$ROOT/examples/demo-product
[[ -f $DEMO/umd-product.yaml ]] || die "missing $DEMO"

if [[ -z $BIN ]]; then
    command -v cargo >/dev/null || die "cargo not found; pass --bin"
    log "building umd-release (cargo build --release --locked)"
    cargo build --release --locked --quiet --manifest-path "$ROOT/Cargo.toml" >&2
    BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/umd-release
    [[ $BIN == /* ]] || BIN=$ROOT/$BIN
fi
[[ -x $BIN ]] || die "not an executable: $BIN"

HAVE_HYPERFINE=false
if command -v hyperfine >/dev/null; then HAVE_HYPERFINE=true; fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/umd-release-scale.XXXXXX")
cleanup() { rm -rf -- "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- the submissions

# One real submission of the demo product, filed by the binary itself, gives the
# two issue files (CMD-OS 1 and CMD-ONE 1) every generated submission copies, so
# the store is in the format of the binary measured.
log "filing the demo release once, as the template"
SEED=$WORK/seed
"$BIN" submit --repo "$DEMO" --tag 1.4.0 --artifacts "$DEMO/dist" \
    --tracker "local:$SEED" --registry "$ROOT/examples/tracker/products" \
    --allow-failures --actor bench >"$WORK/submit.log" 2>&1 || {
    cat "$WORK/submit.log" >&2
    die "umd-release submit of the demo release failed"
}
[[ -f $SEED/issues/1.json && -f $SEED/issues/2.json ]] || die "the template submission made no issues 1 and 2"

# make_tracker N DIR: N issues, product bench-NNNNN submitted to both
# distributions (odd numbers CMD-OS 1, even CMD-ONE 1), all Unverified since the
# template was filed, so a sweep has nothing to do for 30 days.
make_tracker() {
    local n=$1 dir=$2
    mkdir -p "$dir/issues"
    cp "$ROOT/examples/tracker/tracker.yaml" "$SEED/labels.json" "$dir/"
    awk -v n="$n" -v out="$dir/issues" '
        FNR == NR { a = a $0 "\n"; next }
        { b = b $0 "\n" }
        END {
            for (i = 1; i <= n; i++) {
                t = (i % 2) ? a : b
                gsub(/site-info-publisher/, sprintf("bench-%05d", int((i + 1) / 2)), t)
                sub(/"number": [0-9]+,/, "\"number\": " i ",", t)
                gsub(/"issue": [0-9]+,/, "\"issue\": " i ",", t)
                f = out "/" i ".json"
                printf "%s", t > f
                close(f)
            }
        }' "$SEED/issues/1.json" "$SEED/issues/2.json"
    printf '{\n  "next_issue": %d,\n  "next_comment": 1,\n  "next_event": %d\n}\n' \
        $((n + 1)) $((n * 4 + 1)) >"$dir/meta.json"
}

# ---------------------------------------------------------------- measuring

# The commands, by name. `lookup` is the labelled listing `move` and `comment`
# start with (product:NAME, 2 of N issues), on a version never filed, so it
# changes nothing and fails the same way every run (exit 2, "no open submission").
COMMANDS=(status explain sweep lookup)
set_argv() { # NAME DIR N: ARGV becomes command NAME on the tracker in DIR
    local t=local:$2
    case $1 in
    status) ARGV=("$BIN" status --tracker "$t") ;;
    explain) ARGV=("$BIN" status --explain --tracker "$t") ;;
    sweep) ARGV=("$BIN" sweep --dry-run --tracker "$t") ;;
    lookup) ARGV=("$BIN" comment --tracker "$t" --as bench --body bench
        --submission "$(printf 'bench-%05d' $(($3 / 4 + 1)))@0.0.0") ;;
    esac
}

# run_once NAME DIR N: one run; checks the outcome, so a broken run is not timed as a fast one.
run_once() {
    local rc=0
    set_argv "$@"
    "${ARGV[@]}" >"$WORK/out" 2>"$WORK/err" || rc=$?
    case $1 in
    lookup)
        if ((rc != 2)) || ! grep -q 'no open submission' "$WORK/err"; then
            cat "$WORK/err" >&2
            die "lookup on $3 submissions exited $rc, not with \"no open submission\""
        fi
        ;;
    *)
        if ((rc != 0)); then
            cat "$WORK/err" >&2
            die "$1 on $3 submissions exited $rc"
        fi
        ;;
    esac
}

now_ns() { date +%s%N; }

median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
        END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

calc() { awk "BEGIN { printf \"%.${2:-2}f\", $1 }"; }

# measure NAME DIR N: median wall time in seconds.
measure() {
    run_once "$@" # warm-up: page cache, and the first run of an indexed store builds its index
    if $HAVE_HYPERFINE; then
        local cmd
        set_argv "$@"
        cmd=$(printf '%q ' "${ARGV[@]}")
        hyperfine --style none --shell none --ignore-failure --warmup 1 --runs "$RUNS" \
            --export-csv "$WORK/hf.csv" "$cmd" >/dev/null 2>&1 || die "hyperfine failed on $1"
        awk -F, 'NR == 2 { printf "%.6f\n", $4 }' "$WORK/hf.csv"
        return
    fi
    local t=() r t0 t1
    for ((r = 0; r < RUNS; r++)); do
        t0=$(now_ns)
        run_once "$@"
        t1=$(now_ns)
        t+=("$(calc "($t1 - $t0) / 1e9" 6)")
    done
    median "${t[@]}"
}

declare -A T=()
for n in "${SIZE_LIST[@]}"; do
    dir=$WORK/tracker-$n
    log "$n submissions: generating"
    make_tracker "$n" "$dir"
    log "$n submissions: timing ${COMMANDS[*]} ($RUNS runs each)"
    for c in "${COMMANDS[@]}"; do
        T[$c,$n]=$(measure "$c" "$dir" "$n")
    done
    # The listing must see every submission, or the timings mean nothing.
    rows=$("$BIN" status --format json --tracker "local:$dir" | grep -c '"number":' || true)
    ((rows == n)) || die "status lists $rows submissions of $n"
    rm -rf "$dir"
done

# ---------------------------------------------------------------- report

ms() { calc "$1 * 1000" 1; }
first=${SIZE_LIST[0]}
last=${SIZE_LIST[-1]}
version=$("$BIN" --version 2>/dev/null || echo "umd-release ?")
timer=$($HAVE_HYPERFINE && echo hyperfine || echo "date +%s%N loop")
echo
echo "$version, $(nproc) cores, median of $RUNS runs ($timer)"
fmt='%-12s %10s %10s %10s %10s %12s %13s\n'
# shellcheck disable=SC2059 # the format is ours
{
    printf "$fmt" submissions "status" "explain" "sweep" "lookup" "sweep/status" "explain/status"
    for n in "${SIZE_LIST[@]}"; do
        printf "$fmt" "$n" "$(ms "${T[status,$n]}") ms" "$(ms "${T[explain,$n]}") ms" \
            "$(ms "${T[sweep,$n]}") ms" "$(ms "${T[lookup,$n]}") ms" \
            "$(calc "${T[sweep,$n]} / ${T[status,$n]}")x" "$(calc "${T[explain,$n]} / ${T[status,$n]}")x"
    done
}
echo
echo "time at $last vs $first submissions ($(calc "$last / $first" 0)x the submissions):"
for c in "${COMMANDS[@]}"; do
    printf '  %-8s %sx\n' "$c" "$(calc "${T[$c,$last]} / ${T[$c,$first]}")"
done

if [[ -n $JSON_OUT ]]; then
    mkdir -p "$(dirname "$JSON_OUT")"
    {
        printf '{\n  "umd_release": "%s",\n  "cores": %d,\n  "runs": %d,\n  "timer": "%s",\n  "sizes": [\n' \
            "${version#umd-release }" "$(nproc)" "$RUNS" "$timer"
        sep=""
        for n in "${SIZE_LIST[@]}"; do
            printf '%s    {"submissions": %d, "status_seconds": %s, "explain_seconds": %s, "sweep_seconds": %s, "lookup_seconds": %s, "sweep_over_status": %s, "explain_over_status": %s}' \
                "$sep" "$n" "${T[status,$n]}" "${T[explain,$n]}" "${T[sweep,$n]}" "${T[lookup,$n]}" \
                "$(calc "${T[sweep,$n]} / ${T[status,$n]}" 3)" "$(calc "${T[explain,$n]} / ${T[status,$n]}" 3)"
            sep=$',\n'
        done
        printf '\n  ],\n  "largest_over_smallest": {'
        sep=""
        for c in "${COMMANDS[@]}"; do
            printf '%s"%s": %s' "$sep" "$c" "$(calc "${T[$c,$last]} / ${T[$c,$first]}" 3)"
            sep=", "
        done
        printf '}\n}\n'
    } >"$JSON_OUT"
    log "wrote $JSON_OUT"
fi
