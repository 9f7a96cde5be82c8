"""Runs inside a simulated pod, as Airflow's KubernetesExecutor and KubernetesPodOperator do: the
official Python client with load_incluster_config(), then list, a watch that sees a change made
during it, log reads, a dry-run create and an exec stream. Prints one JSON object of what it saw
(never the token).

argv: NAMESPACE LOG_POD EXEC_POD EXEC_CONTAINER
"""
import json
import sys
import threading

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException
from kubernetes.stream import stream

namespace, log_pod, exec_pod, exec_container = sys.argv[1:5]
out = {}


def error(e):
    body = json.loads(e.body) if e.body else {}
    return {"status": e.status, "reason": body.get("reason"), "message": body.get("message")}


config.load_incluster_config()
core = client.CoreV1Api()

pods = core.list_namespaced_pod(namespace)
out["list"] = sorted(p.metadata.name for p in pods.items)

# The executor's watcher pattern: a watch from the list's resourceVersion, a change made during it.
target = pods.items[0].metadata.name
events = []
w = watch.Watch()


def change():
    core.patch_namespaced_pod(target, namespace, {"metadata": {"labels": {"seen-by-watch": "yes"}}})


timer = threading.Timer(0.5, change)
timer.start()
for event in w.stream(core.list_namespaced_pod, namespace, resource_version=pods.metadata.resource_version, timeout_seconds=20):
    events.append("%s %s" % (event["type"], event["object"].metadata.name))
    if event["type"] == "MODIFIED" and event["object"].metadata.labels.get("seen-by-watch") == "yes":
        w.stop()
timer.join()
out["watch"] = events

# A resourceVersion compacted away: the server's ERROR event (410) reaches the caller as ApiException.
try:
    for _ in watch.Watch().stream(core.list_namespaced_pod, namespace, resource_version="1", timeout_seconds=5):
        pass
    out["too_old"] = None
except ApiException as e:
    out["too_old"] = {"status": e.status, "reason": e.reason}

try:
    core.read_namespaced_pod_log(log_pod, namespace)
    out["log_without_container"] = {"status": 200}
except ApiException as e:
    out["log_without_container"] = error(e)
out["log_with_container"] = core.read_namespaced_pod_log(log_pod, namespace, container=exec_container, tail_lines=1)

body = client.V1Pod(
    metadata=client.V1ObjectMeta(name="dry-run-probe", labels={"app": "dry-run"}),
    spec=client.V1PodSpec(containers=[client.V1Container(name="base", image="apache/airflow:3.0.2")]),
)
created = core.create_namespaced_pod(namespace, body, dry_run="All")
out["dry_run"] = {
    "uid": bool(created.metadata.uid),
    "creationTimestamp": created.metadata.creation_timestamp is not None,
    "phase": created.status.phase,
}
try:
    core.read_namespaced_pod("dry-run-probe", namespace)
    out["dry_run"]["persisted"] = True
except ApiException as e:
    out["dry_run"]["persisted"] = e.status != 404

out["exec"] = stream(
    core.connect_get_namespaced_pod_exec, exec_pod, namespace, container=exec_container,
    command=["sh", "-c", "echo exec-ok"], stderr=True, stdin=False, stdout=True, tty=False,
)

json.dump(out, sys.stdout)
