#!/usr/bin/env bash
# `make demo`: build the plugin as the single executable users install, start the simulated cluster
# with a broken KubernetesExecutor install, and run the plugin through real kubectl, as an operator
# would. Needs only what `npm ci` installs (the pinned Node) and kubectl on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
SCENARIO="${SCENARIO:-official-kubernetes-executor-broken-rbac}"

work="$(mktemp -d "${TMPDIR:-/tmp}/kubectl-airflow-demo.XXXXXX")"
sim_pid=""
cleanup() {
  if [ -n "$sim_pid" ] && kill -0 "$sim_pid" 2>/dev/null; then
    kill -TERM -- "-$sim_pid" 2>/dev/null || kill -TERM "$sim_pid" 2>/dev/null || true
    wait "$sim_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
shown() { printf '\033[2m$ %s\033[0m\n' "$*"; "$@"; }

if ! command -v kubectl >/dev/null 2>&1; then
  echo "demo: kubectl is not on PATH (the demo runs the plugin through real kubectl)" >&2
  exit 1
fi

step "Building kubectl-airflow (esbuild bundle -> Node single executable)"
node scripts/dist.ts --targets linux-amd64 --out "$work/dist" >/dev/null
mkdir -p "$work/bin"
cp "$work/dist/linux_amd64/kubectl-airflow" "$work/bin/kubectl-airflow"
ls -l "$work/bin/kubectl-airflow" | awk '{printf "%s  %.0f MiB\n", $NF, $5/1048576}'

step "Starting the simulated API server: scenario $SCENARIO"
# its own process group, so stopping it stops npm and the server it runs
setsid npm run -s sim -- --scenario "$SCENARIO" --kubeconfig "$work/kubeconfig" >"$work/sim.out" 2>"$work/sim.err" &
sim_pid=$!
for _ in $(seq 1 150); do
  grep -q '^ready ' "$work/sim.out" 2>/dev/null && break
  kill -0 "$sim_pid" 2>/dev/null || { echo "demo: the simulator exited:" >&2; cat "$work/sim.err" >&2; exit 1; }
  sleep 0.2
done
grep -q '^ready ' "$work/sim.out" || { echo "demo: the simulator did not become ready in 30 s" >&2; cat "$work/sim.err" >&2; exit 1; }
sed -n 's/^ready /API server: /p' "$work/sim.out"

export KUBECONFIG="$work/kubeconfig"
export PATH="$work/bin:$PATH"

step "kubectl finds the plugin"
shown kubectl plugin list 2>/dev/null | grep kubectl-airflow
shown kubectl airflow version

# exit codes: 0 all good, 1 problems found (expected here: the RBAC is broken), 2 usage, 3 cluster
run() {
  local rc=0
  shown kubectl airflow "$@" || rc=$?
  printf '\033[2m(exit %s)\033[0m\n' "$rc"
  [ "$rc" -le 1 ] || DEMO_FAILED=1
}
DEMO_FAILED=0
has() { kubectl airflow --help 2>/dev/null | grep -q "kubectl airflow $1\b"; }

step "Why can't Airflow launch its worker pods?"
run rbac
step "The least-privilege fix, ready for kubectl apply"
run rbac --fix
if has ha; then
  step "Is the API server the workers talk to really highly available?"
  run ha
fi
if has net; then
  worker="$(kubectl get pods -n airflow -o name 2>/dev/null | sed 's|^pod/||' | grep -m1 -E 'scheduler|worker' || true)"
  if [ -n "$worker" ]; then
    step "From inside $worker: can it reach the API server?"
    run net "$worker" -n airflow
  fi
fi
if has doctor; then
  step "Every layer in order"
  run doctor
fi

step "Stopping the simulated API server"
kill -TERM -- "-$sim_pid" 2>/dev/null || kill -TERM "$sim_pid"
wait "$sim_pid" 2>/dev/null || true
sim_pid=""
echo "done"
exit "$DEMO_FAILED"
