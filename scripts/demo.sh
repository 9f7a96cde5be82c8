#!/usr/bin/env bash
# `make demo`: build the plugin as the single executable users install, start the simulated cluster
# with a broken KubernetesExecutor install, and tell its story through real kubectl, as an operator
# would live it: broken -> diagnosed -> fixed -> healthy. Needs what `npm ci` installs (the pinned
# Node) and kubectl on PATH.
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

mkdir -p "$work/bin"
if [ -n "${KUBECTL_AIRFLOW_BIN:-}" ]; then
  # a plugin already built (the test of this script passes one that runs the sources)
  step "Using kubectl-airflow from $KUBECTL_AIRFLOW_BIN"
  ln -s "$KUBECTL_AIRFLOW_BIN" "$work/bin/kubectl-airflow"
else
  step "Building kubectl-airflow (esbuild bundle -> Node single executable)"
  node scripts/dist.ts --targets linux-amd64 --out "$work/dist" >/dev/null
  cp "$work/dist/linux_amd64/kubectl-airflow" "$work/bin/kubectl-airflow"
  ls -l "$work/bin/kubectl-airflow" | awk '{printf "%s  %.0f MiB\n", $NF, $5/1048576}'
fi

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

# exit codes: 0 all good, 1 problems found (expected while it is broken), 2 usage, 3 cluster
last_rc=0
run() {
  last_rc=0
  shown kubectl airflow "$@" || last_rc=$?
  printf '\033[2m(exit %s)\033[0m\n' "$last_rc"
  [ "$last_rc" -le 1 ] || DEMO_FAILED=1
}
DEMO_FAILED=0
scheduler=system:serviceaccount:airflow:airflow-scheduler

step "1. Broken: the scheduler may not launch task pods"
shown kubectl auth can-i create pods -n airflow --as "$scheduler" || true

step "2. Diagnosed: every layer in order, the first failing one and its fix"
run doctor
step "   The detail: each ServiceAccount, what Airflow needs, what is missing"
run rbac

step "3. Fixed: the least-privilege Role and RoleBinding, applied as printed"
# the report goes to stderr (shown above), the YAML to stdout: the pipe gets only the manifests
printf '\033[2m$ %s\033[0m\n' 'kubectl airflow rbac --fix 2>/dev/null | kubectl apply -f -'
# rbac --fix exits 1 (it found something to fix): only kubectl apply's status counts here
set +o pipefail
kubectl airflow rbac --fix 2>/dev/null | kubectl apply -f -
set -o pipefail

step "4. Healthy"
shown kubectl auth can-i create pods -n airflow --as "$scheduler"
run doctor
[ "$last_rc" -eq 0 ] || { echo "demo: doctor still finds a problem after the fix (exit $last_rc)" >&2; DEMO_FAILED=1; }

step "Stopping the simulated API server"
kill -TERM -- "-$sim_pid" 2>/dev/null || kill -TERM "$sim_pid"
wait "$sim_pid" 2>/dev/null || true
sim_pid=""
echo "done"
exit "$DEMO_FAILED"
