#!/usr/bin/env bash
# Instructions (callgrind Ir) per default run of bscsim: of this checkout, or of the
# git revisions given. Noise-free on a shared machine, unlike wall or CPU time.
#
#     benchmarks/count_instructions.sh                 # this checkout
#     benchmarks/count_instructions.sh HEAD e74c813    # revisions (e74c813: before issue 11)
#
# Each source tree is copied with its configs, its bytecode compiled and every module
# imported once before counting (so that no compiling is counted); then a process
# running 6 default runs (seeds 0-5) minus one running 1 (seed 0), divided by 5, is
# one default run. PYTHONHASHSEED=0, OPENBLAS_NUM_THREADS=1. Needs valgrind; the
# Python is $PYTHON (default: the checkout's .venv). About 2 minutes a tree.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
py="${PYTHON:-$root/.venv/bin/python}"
work="$(mktemp -d)"
trap 'for w in "$work"/rev-*; do [ -d "$w" ] && git -C "$root" worktree remove --force "$w"; done; rm -rf "$work"' EXIT
cat > "$work/runs.py" <<'PY'
import sys
import bscsim
p = bscsim.load_config()
for seed in range(int(sys.argv[1])):
    bscsim.simulate(p, seed=seed)
PY

count() {   # count LABEL TREE: TREE holds src/ and configs/
  local label=$1 tree=$2 snap="$work/snap-$1" n a b
  mkdir -p "$snap"
  cp -r "$tree/src" "$snap/src"
  cp -r "$tree/configs" "$snap/configs"
  find "$snap" -name __pycache__ -prune -exec rm -rf {} +
  PYTHONPATH="$snap/src" "$py" -m compileall -q "$snap/src" >/dev/null
  PYTHONPATH="$snap/src" OPENBLAS_NUM_THREADS=1 "$py" "$work/runs.py" 1
  for n in 1 6; do
    PYTHONHASHSEED=0 OPENBLAS_NUM_THREADS=1 PYTHONPATH="$snap/src" valgrind --tool=callgrind \
      --callgrind-out-file="$work/$label-$n.out" "$py" "$work/runs.py" $n 2>"$work/$label-$n.err"
  done
  a=$(grep -o "Collected : [0-9]*" "$work/$label-1.err" | grep -o "[0-9]*$")
  b=$(grep -o "Collected : [0-9]*" "$work/$label-6.err" | grep -o "[0-9]*$")
  "$py" -c "print(f'{\"$label\":<12} {($b - $a) / 5 / 1e6:8.1f} M instructions per default run')"
}

if [ $# -eq 0 ]; then
  count checkout "$root"
else
  for rev in "$@"; do
    key="${rev//[^A-Za-z0-9._-]/_}"
    git -C "$root" worktree add --detach -q "$work/rev-$key" "$rev"
    count "$key" "$work/rev-$key"
  done
fi
