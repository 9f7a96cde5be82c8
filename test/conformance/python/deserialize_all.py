"""Lists every kind named on stdin with the official Kubernetes Python client and prints, as JSON,
what it deserialized: the client builds its model classes from each answer, and a field the server
failed to write (a required one such as containerStatuses[].imageID) raises ValueError there.

stdin: {"kubeconfig": PATH, "context": NAME, "kinds": [{"apiVersion": "v1", "kind": "Pod", "namespaced": true}, ...]}
stdout: {"objects": ["v1/Pod/ns/name", ...], "errors": ["v1/Pod: ValueError: ...", ...]}
"""
import json
import re
import sys

from kubernetes import client, config


def api_class(api_version):
    """CoreV1Api for v1, RbacAuthorizationV1Api for rbac.authorization.k8s.io/v1 (the client's naming)."""
    group, _, version = api_version.rpartition("/")
    words = ["core"] if not group else group.replace(".k8s.io", "").split(".")
    return "".join(w.capitalize() for w in words) + version.capitalize() + "Api"


def snake(kind):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", kind).lower()


def main():
    request = json.load(sys.stdin)
    config.load_kube_config(config_file=request["kubeconfig"], context=request["context"])
    api = client.ApiClient()
    seen, errors = [], []
    for k in request["kinds"]:
        label = "%s/%s" % (k["apiVersion"], k["kind"])
        cls = getattr(client, api_class(k["apiVersion"]), None)
        suffix = "_for_all_namespaces" if k["namespaced"] else ""
        method = getattr(cls(api), "list_%s%s" % (snake(k["kind"]), suffix), None) if cls else None
        if method is None:
            errors.append("%s: the client has no list call for it" % label)
            continue
        try:
            items = method().items
        except Exception as e:  # what the client raises is the finding
            errors.append("%s: %s: %s" % (label, type(e).__name__, str(e).splitlines()[0]))
            continue
        for o in items:
            seen.append("%s/%s/%s" % (label, o.metadata.namespace or "", o.metadata.name))
    json.dump({"objects": sorted(seen), "errors": errors}, sys.stdout)


main()
