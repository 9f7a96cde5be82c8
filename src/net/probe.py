# kubectl-airflow in-pod probe (Python 3, standard library only). Shipped byte-for-byte.
#
# Run as:  python3 -c "<this file>" '<input JSON>'
# The program never takes code from its input: the input is data only (see below). It writes
# nothing in the pod, never prints the ServiceAccount token or its claims beyond exp/iat/iss/aud,
# and prints exactly ONE JSON document on stdout (exit 0 whenever it could print one).
#
# Input JSON:
#   mode       "net" (default): the layered probe of `kubectl airflow net`
#              "readyz": for `kubectl airflow ha --from <pod>`: TCP + TLS + GET /readyz?verbose on
#              every endpoint in `endpoints`, concurrently, with the mounted token and ca.crt.
#   timeout    seconds per network step (default 3)
#   budget     seconds for the whole program; steps that would start later are reported as
#              {"skipped": "budget"} (default 6 * timeout)
#   attempts   TCP connects to the service address (default 5)
#   endpoints  [{"ip": "10.0.0.11", "port": 6443}, ...]  (from the `kubernetes` EndpointSlice)
#   saDir      only for the probe's own tests
#   access     [{"verb": "create", "group": "", "resource": "pods", "subresource": "", "namespace": "etl"}, ...]
#              asked as SelfSubjectAccessReviews with the pod's token, in the item's namespace
#              ("" = cluster-wide; no key = the pod's own namespace)
#   remote     [{"origin": "...", "path": "/opt/airflow/kube/config", "context": "eks"}, ...]: kubeconfigs
#              Airflow loads instead of the in-cluster config (src/airflow/remote-kubeconfig.ts): a
#              path, "defaultLocation" ($KUBECONFIG, ~/.kube/config) or "connEnv" (the connection's
#              variable, read here: an inline kubeconfig never passes through argv), "field" and
#              "context" optional. Probed beside the in-cluster layers: DNS, TCP, TLS with its CA, the
#              exec plugin's binary, an authenticated SelfSubjectReview. No credential is printed.
#
# Output: observations only (no verdicts); the plugin decides (src/net/verdict.ts).
import base64
import collections
import json
import os
import socket
import sys
import threading
import time

try:
    import ssl
except ImportError:  # a Python built without OpenSSL: TLS and HTTP are reported as not checkable
    ssl = None

PROXY_VARS = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy",
              "ALL_PROXY", "all_proxy")
START = time.time()


def params():
    try:
        p = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    except ValueError:
        p = {}
    if not isinstance(p, dict):
        p = {}
    t = float(p.get("timeout") or 3)
    p["timeout"] = t if 0 < t <= 60 else 3.0
    b = float(p.get("budget") or 6 * p["timeout"])
    p["budget"] = b if 0 < b <= 600 else 6 * p["timeout"]
    a = int(p.get("attempts") or 5)
    p["attempts"] = a if 0 < a <= 20 else 5
    return p


P = params()
# saDir exists for the probe's own tests (a fixture directory); the plugin never sets it.
SA_DIR = str(P.get("saDir") or "/var/run/secrets/kubernetes.io/serviceaccount")
DEADLINE = START + P["budget"]


def left():
    return DEADLINE - time.time()


def step_timeout():
    return max(0.05, min(P["timeout"], left()))


def run_all(fns, extra=0.5):
    """Runs fns concurrently (daemon threads), waits at most one step timeout (+extra); the
    results of threads still running are None (they are abandoned, never joined)."""
    out = [None] * len(fns)

    def wrap(i, fn):
        try:
            out[i] = fn()
        except Exception as e:  # a probe must never die on one step
            out[i] = {"error": "other", "detail": str(e)[:200]}

    ts = [threading.Thread(target=wrap, args=(i, f), daemon=True) for i, f in enumerate(fns)]
    for t in ts:
        t.start()
    end = time.time() + step_timeout() + extra
    for t in ts:
        t.join(max(0, end - time.time()))
    return out


def redact_proxy(v):
    # As src/render/redact.ts prints it (Go's url.Redacted: the password as xxxxx), for bare
    # user:PASSWORD@host:port too (curl takes it) and a colon-less userinfo (a token) before host:port.
    scheme, sep, rest = v.partition("://")
    if not sep:
        rest, scheme = scheme, ""
    auth, slash, path = rest.partition("/")
    if "@" not in auth:
        return v
    info, host = auth.rsplit("@", 1)
    if ":" in info:
        info = info.split(":", 1)[0] + ":xxxxx"
    elif sep or host.rpartition(":")[2].isdigit() and ":" in host:
        info = "xxxxx"
    return scheme + sep + info + "@" + host + slash + path


def layer_env():
    env = {}
    for k in ("KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT") + PROXY_VARS:
        if k in os.environ:
            env[k] = redact_proxy(os.environ[k]) if "PROXY" in k.upper() and not k.upper().startswith("NO_") else os.environ[k]
    return env


# The Kubernetes clients Airflow uses and what they run on: their behaviour (proxy variables, token
# re-reads, keepalive) depends on the installed version.
CLIENT_PACKAGES = ("kubernetes", "kubernetes_asyncio", "urllib3", "apache-airflow",
                   "apache-airflow-providers-cncf-kubernetes")


def dist_name(n):
    # PEP 503 normalisation, as installers name the .dist-info directories (kubernetes_asyncio, apache_airflow)
    return n.lower().replace("-", "_").replace(".", "_")


def metadata_version(text):
    for line in text.splitlines():
        if line.lower().startswith("version:"):
            return line.split(":", 1)[1].strip()[:64]
        if not line.strip():
            break
    return None


def layer_clients():
    """The installed versions, read from package metadata (never importing the packages: no code of
    theirs runs): the *.dist-info/METADATA and *.egg-info/PKG-INFO on sys.path, first match wins as
    for the import system. Read directly, not through importlib.metadata: importing that (zipfile,
    csv, email, pathlib) held the GIL the network layers' threads need for about 30 ms of Python
    3.11's time, and each of its lookups scans every distribution again."""
    listings = {}
    return dict((name, scan_metadata(name, listings)) for name in CLIENT_PACKAGES)


def scan_metadata(name, listings):
    want = dist_name(name)
    for d in sys.path:
        entries = listings.get(d)
        if entries is None:
            try:
                entries = sorted(os.listdir(d or "."))
            except OSError:
                entries = []
            listings[d] = entries
        for e in entries:
            base, dot, ext = e.rpartition(".")
            if ext not in ("dist-info", "egg-info") or dist_name(base.split("-")[0]) != want:
                continue
            for f in ("METADATA", "PKG-INFO"):
                try:
                    with open(os.path.join(d or ".", e, f)) as fh:
                        v = metadata_version(fh.read(4096))
                    if v:
                        return v
                except OSError:
                    pass
    return None


def b64url(s):
    s = s + "=" * (-len(s) % 4)
    return base64.urlsafe_b64decode(s.encode("ascii"))


def read_file(name):
    path = os.path.join(SA_DIR, name)
    r = {"present": os.path.exists(path)}
    if not r["present"]:
        return r, None
    try:
        with open(path, "rb") as f:
            data = f.read()
        r["readable"] = True
        r["bytes"] = len(data)
        return r, data
    except OSError as e:
        r["readable"] = False
        r["error"] = e.strerror or str(e)
        return r, None


def layer_files():
    files = {"dir": SA_DIR, "dirPresent": os.path.isdir(SA_DIR)}
    tok, data = read_file("token")
    if data is not None:
        try:
            claims = json.loads(b64url(data.decode("ascii").strip().split(".")[1]))
            # only expiry, issue time, issuer and audience leave the pod
            tok["claims"] = dict((k, claims[k]) for k in ("exp", "iat", "iss", "aud") if k in claims)
        except Exception:
            tok["claims"] = None
            tok["error"] = "not a JWT"
    files["token"] = tok
    ca, data = read_file("ca.crt")
    if data is not None:
        ca["pem"] = b"-----BEGIN CERTIFICATE-----" in data
        ca["certificates"] = data.count(b"-----BEGIN CERTIFICATE-----")
    files["ca.crt"] = ca
    ns, data = read_file("namespace")
    if data is not None:
        ns["value"] = data.decode("utf-8", "replace").strip()[:253]
    files["namespace"] = ns
    return files


def token_value():
    try:
        with open(os.path.join(SA_DIR, "token")) as f:
            return f.read().strip()
    except OSError:
        return None


def layer_resolv():
    r = {"nameservers": [], "search": [], "options": []}
    try:
        with open("/etc/resolv.conf") as f:
            for line in f:
                w = line.split()
                if not w or w[0].startswith("#") or w[0].startswith(";"):
                    continue
                if w[0] == "nameserver" and len(w) > 1:
                    r["nameservers"].append(w[1])
                elif w[0] in ("search", "domain"):
                    r["search"].extend(w[1:])
                elif w[0] == "options":
                    r["options"].extend(w[1:])
    except OSError as e:
        r["error"] = e.strerror or str(e)
    for o in r["options"]:
        if o.startswith("ndots:"):
            try:
                r["ndots"] = int(o[6:])
            except ValueError:
                pass
    return r


def cluster_domain(resolv):
    for s in resolv.get("search", []):
        parts = s.split(".svc.", 1)
        if len(parts) == 2 and parts[1]:
            return parts[1]
    return None


def resolve(name):
    t0 = time.time()
    try:
        infos = socket.getaddrinfo(name, None, 0, socket.SOCK_STREAM)
        addrs = []
        for i in infos:
            if i[4][0] not in addrs:
                addrs.append(i[4][0])
        return {"name": name, "addresses": addrs, "ms": ms(t0)}
    except socket.gaierror as e:
        kind = "nxdomain" if e.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", -5)) else (
            "timeout" if e.errno == socket.EAI_AGAIN else "other")
        return {"name": name, "error": kind, "detail": str(e)[:200], "ms": ms(t0)}


def layer_dns(resolv):
    names = ["kubernetes.default.svc"]
    d = cluster_domain(resolv)
    if d:
        names.append("kubernetes.default.svc." + d)
    if left() <= 0:
        return [{"name": n, "skipped": "budget"} for n in names]
    res = run_all([lambda n=n: resolve(n) for n in names])
    return [r if r is not None else {"name": names[i], "error": "timeout", "detail": "no answer within %.1fs" % P["timeout"]}
            for i, r in enumerate(res)]


def ms(t0):
    return int((time.time() - t0) * 1000)


def classify(e):
    # Each errno its own kind: the plugin ties each to its likely causes (src/net/verdict.ts).
    import errno
    if isinstance(e, socket.timeout):
        return "timeout"
    n = getattr(e, "errno", None)
    if n == errno.ECONNREFUSED:
        return "refused"
    if n == errno.ENETUNREACH:
        return "net-unreachable"
    if n == errno.EHOSTUNREACH:
        return "host-unreachable"
    if n in (errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED):
        return "reset"
    if n in (errno.EPERM, errno.EACCES):
        return "blocked"
    if n == errno.ETIMEDOUT:
        return "timeout"
    return "other"


def connect(host, port, timeout=None):
    t0 = time.time()
    try:
        s = socket.create_connection((host, int(port)), timeout=timeout or step_timeout())
        s.close()
        return {"ok": True, "ms": ms(t0)}
    except (OSError, socket.timeout) as e:
        return {"ok": False, "error": classify(e), "detail": str(e)[:200], "ms": ms(t0)}


def layer_tcp(host, port, endpoints):
    targets = []
    if host and port:
        targets.append({"target": "service", "host": host, "port": int(port)})
    for ep in endpoints:
        targets.append({"target": "endpoint", "host": str(ep.get("ip")), "port": int(ep.get("port"))})
    if not targets:
        return []
    if left() <= 0:
        for t in targets:
            t["skipped"] = "budget"
        return targets
    fns, index = [], []
    for ti, t in enumerate(targets):
        n = P["attempts"] if t["target"] == "service" else max(2, P["attempts"] // 2)
        for _ in range(n):
            fns.append(lambda t=t: connect(t["host"], t["port"]))
            index.append(ti)
    res = run_all(fns)
    for t in targets:
        t["attempts"] = []
    for i, r in enumerate(res):
        targets[index[i]]["attempts"].append(r if r is not None else {"ok": False, "error": "timeout", "detail": "abandoned"})
    return targets


# OpenSSL verify codes (x509_vfy.h)
UNKNOWN_AUTHORITY = (2, 18, 19, 20, 21, 27, 28)
NAME_MISMATCH = (62, 64)
EXPIRED = (9, 10)


TLS_CONTEXTS = {}
TLS_LOCK = threading.Lock()


def tls_context(cafile, check_hostname=True):
    """One context per CA file and hostname check (loading the CA costs more than a handshake; a
    context is safe to share between threads)."""
    with TLS_LOCK:
        ctx = TLS_CONTEXTS.get((cafile, check_hostname))
        if ctx is None:
            ctx = ssl.create_default_context(cafile=cafile)
            ctx.check_hostname = check_hostname
            TLS_CONTEXTS[(cafile, check_hostname)] = ctx
        return ctx


def tls_error(e):
    if isinstance(e, getattr(ssl, "SSLCertVerificationError", ())):  # Python >= 3.7
        code = getattr(e, "verify_code", None)
        msg = getattr(e, "verify_message", "") or str(e)
        if code in UNKNOWN_AUTHORITY:
            kind = "unknown-authority"
        elif code in NAME_MISMATCH or "match" in msg:
            kind = "name-mismatch"
        elif code in EXPIRED:
            kind = "expired"
        else:
            kind = "verify-failed"
        return {"ok": False, "error": kind, "detail": msg[:200], "verifyCode": code}
    if isinstance(e, socket.timeout):
        return {"ok": False, "error": "timeout", "detail": "no answer within %.1fs" % P["timeout"]}
    if ssl is not None and isinstance(e, (ssl.SSLEOFError, ssl.SSLZeroReturnError)):
        return {"ok": False, "error": "reset", "detail": str(e)[:200]}
    if ssl is not None and isinstance(e, ssl.SSLError):
        return {"ok": False, "error": "handshake", "detail": str(e)[:200]}
    return {"ok": False, "error": classify(e), "detail": str(e)[:200]}


class StepFailed(Exception):
    """A failure tagged with the step it happened at: "tcp" (no connection), "tls" (connected, no
    verified handshake) or "http" (no answer after the handshake)."""

    def __init__(self, step, result):
        Exception.__init__(self, step)
        self.step = step
        self.result = result


def open_tls(host, port, cafile, server_name, check_hostname=True):
    """Connects to host:port, then verifies the handshake as server_name: the name the pod's client
    checks (the service IP) also when host is one endpoint behind it. Raises StepFailed."""
    t0 = time.time()
    try:
        raw = socket.create_connection((host, int(port)), timeout=step_timeout())
    except (OSError, socket.timeout) as e:
        raise StepFailed("tcp", {"ok": False, "error": classify(e), "detail": str(e)[:200], "ms": ms(t0), "step": "tcp"})
    connected = ms(t0)
    try:
        # as urllib3 (the kubernetes client's transport) does: a request's headers and body are two
        # writes, and Nagle would hold the second until the server's delayed ACK
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        raw.settimeout(step_timeout())
        s = tls_context(cafile, check_hostname).wrap_socket(raw, server_hostname=server_name)
    except Exception as e:
        raw.close()
        r = tls_error(e)
        r.update({"ms": ms(t0), "connectMs": connected, "step": "tls"})
        raise StepFailed("tls", r)
    return s, connected


def tls_summary(s, t0):
    r = {"ok": True, "version": s.version(), "ms": ms(t0)}
    cert = s.getpeercert() or {}
    r["subject"] = dict(x[0] for x in cert.get("subject", ()) if x)
    r["issuer"] = dict(x[0] for x in cert.get("issuer", ()) if x)
    r["san"] = ["%s:%s" % x for x in cert.get("subjectAltName", ())][:20]
    r["notAfter"] = cert.get("notAfter")
    return r


def tls_handshake(host, port, cafile, check_hostname=True, server_name=None):
    t0 = time.time()
    try:
        s, _ = open_tls(host, port, cafile, server_name or host, check_hostname)
    except StepFailed as f:
        r = dict(f.result)
        r["step"] = f.step
        return r
    try:
        return tls_summary(s, t0)
    finally:
        s.close()


PATH_CONNECTION = []
PATH_CONNECTION_LOCK = threading.Lock()


def path_connection(host, port, cafile, server_name):
    """An http.client connection to one target whose certificate is verified as server_name; a
    reconnect (the server closed a kept-alive connection) goes through open_tls again, so every
    failure has its step. The class is made at first use: importing http.client (email's parser with
    it) costs about 10 ms, which the first handshakes overlap instead of waiting for it."""
    return path_connection_class()(host, port, cafile, server_name)


def path_connection_class():
    with PATH_CONNECTION_LOCK:
        if not PATH_CONNECTION:
            import http.client

            class PathConnection(http.client.HTTPSConnection):
                def __init__(self, host, port, cafile, server_name):
                    # our context: the default one would load the system's CA store (tens of ms each), unused by connect()
                    http.client.HTTPSConnection.__init__(self, host, int(port), timeout=step_timeout(),
                                                         context=tls_context(cafile))
                    self.cafile = cafile
                    self.server_name = server_name

                def connect(self):
                    self.sock, _ = open_tls(self.host, self.port, self.cafile, self.server_name)

            PATH_CONNECTION.append(PathConnection)
    return PATH_CONNECTION[0]


def path_request(c, method, path, token, body=None):
    """One request on the target's connection: an answer, or an error with its step."""
    import http.client
    t0 = time.time()
    headers = {"Accept": "application/json", "User-Agent": "kubectl-airflow-probe"}
    if token:
        headers["Authorization"] = "Bearer " + token
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    try:
        try:
            c.timeout = step_timeout()
            if c.sock is not None:
                c.sock.settimeout(c.timeout)
            c.request(method, path, body=data, headers=headers)
            resp = c.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            if not getattr(c, "used", 0):
                raise
            # the server closed a kept-alive connection between requests (as urllib3 does, ask again once)
            c.close()
            c.used = 0
            c.request(method, path, body=data, headers=headers)
            resp = c.getresponse()
        raw = resp.read()
        c.used = getattr(c, "used", 0) + 1
    except StepFailed as f:
        c.close()
        r = dict(f.result)
        r.update({"path": path, "step": f.step, "ok": False})
        return r
    except Exception as e:
        c.close()
        r = tls_error(e) if ssl is not None and isinstance(e, ssl.SSLError) else {"ok": False, "error": classify(e), "detail": str(e)[:200]}
        r.update({"path": path, "step": "http", "ms": ms(t0)})
        return r
    r = {"path": path, "status": resp.status, "ms": ms(t0)}
    try:
        r["json"] = json.loads(raw[:65536].decode("utf-8"))
    except Exception:
        r["text"] = raw[:2000].decode("utf-8", "replace")
    return r


def review_item(a, ns, r):
    item = {"verb": a.get("verb"), "group": a.get("group", ""), "resource": a.get("resource"),
            "subresource": a.get("subresource", ""), "namespace": ask_ns(a, ns)}
    if r is None:
        item.update({"error": "timeout", "step": "http"})
    elif r.get("skipped"):
        item["skipped"] = r["skipped"]
    elif "status" in r:
        item["httpStatus"] = r["status"]
        st = (r.get("json") or {}).get("status") if isinstance(r.get("json"), dict) else None
        if r["status"] == 201 or r["status"] == 200:
            st = st or {}
            item["allowed"] = bool(st.get("allowed"))
            if st.get("denied"):
                item["denied"] = True
            item["reason"] = str(st.get("reason", ""))[:300]
            if st.get("evaluationError"):
                item["evaluationError"] = str(st["evaluationError"])[:300]
        else:
            item["message"] = str(summarize_http(r).get("message", ""))[:300]
    else:
        item.update({"error": r.get("error"), "detail": r.get("detail"), "step": r.get("step", "http")})
    return item


def one_path(target, host, port, server_name, cafile, token, ns, paths, asks, shared=None, connections=1):
    """TCP, TLS (verified as server_name), then every GET and review (PathWork) to one target: the
    service address (kube-proxy picks one endpoint per connection) or one endpoint directly. The
    result says at which step it stopped."""
    r = {"target": target, "host": host, "port": int(port), "serverName": server_name}
    jobs = [("GET", p, None) for p in paths] + [
        ("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", ssar_body(ns, a)) for a in asks]
    work = PathWork(jobs, shared, target + " " + host)
    # the further connections open alongside the first, not after it: one handshake's wait, not two
    extras = [work.extra(host, port, cafile, server_name) for _ in range(connections - 1)] if token else []
    t0 = time.time()
    try:
        s, connected = open_tls(host, port, cafile, server_name)
    except StepFailed as f:
        work.abandon()
        if f.step == "tcp":
            r["connect"] = f.result
        else:
            r["connect"] = {"ok": True, "ms": f.result.get("connectMs", 0)}
            r["tls"] = f.result
        return r
    r["connect"] = {"ok": True, "ms": connected}
    r["tls"] = tls_summary(s, t0)
    if not token:
        s.close()
        return r
    answers = work.run(host, port, cafile, server_name, token, s, extras)
    r["http"] = [summarize_http(a) if "skipped" not in a else dict(a, path=jobs[i][1])
                 for i, a in enumerate(answers[:len(paths)])]
    if asks:
        r["access"] = [review_item(a, ns, answers[len(paths) + i]) for i, a in enumerate(asks)]
    return r


# Requests of one path over up to this many connections at once (16 in flight from the pod over the
# service address and three endpoints, the bound the plugin keeps for its own requests).
PATH_CONNECTIONS = 4


def path_connection_counts(own, shared):
    """Connections per path: one per job of its own up to PATH_CONNECTIONS, then one more per shared
    job, a path at a time, while any path has room: as many requests in flight as there are jobs, so
    that every answer comes in the first round trip when they fit."""
    counts = [max(1, min(PATH_CONNECTIONS, n)) for n in own]
    spare = shared
    while spare > 0 and any(c < PATH_CONNECTIONS for c in counts):
        for i, c in enumerate(counts):
            if spare > 0 and c < PATH_CONNECTIONS:
                counts[i] += 1
                spare -= 1
    return counts


class SharedJobs:
    """Reviews asked once from the pod, by whichever verified connection of any path is free first
    (doctor: the RBAC layer judges permissions; the network layer needs only that they are answered)."""

    def __init__(self, jobs):
        self.jobs = jobs
        self.queue = collections.deque(range(len(jobs)))
        self.answers = [None] * len(jobs)
        self.via = [None] * len(jobs)


class PathWork:
    """Every (method, path, body) of jobs on one target, answers in order, then jobs of `shared`
    while any are left. The verified first connection takes jobs until none is left; the further
    connections open at once, and take jobs only once the first one is verified. A further
    connection that cannot open takes none, nor does any when the first one fails: what they met
    (through the service address kube-proxy may send them to another endpoint) is never an answer;
    the TCP and TLS layers and the paths to each endpoint report those."""

    def __init__(self, jobs, shared, label):
        self.jobs = jobs
        self.queue = collections.deque(range(len(jobs)))
        self.answers = [None] * len(jobs)
        self.shared = shared
        self.label = label
        self.token = None
        self.decided = threading.Event()

    def next_job(self):
        try:
            i = self.queue.popleft()
            return self.jobs[i], self.answers, i
        except IndexError:
            pass
        if self.shared is not None:
            try:
                i = self.shared.queue.popleft()
                self.shared.via[i] = self.label
                return self.shared.jobs[i], self.shared.answers, i
            except IndexError:
                pass
        return None

    def take(self, c):
        while True:
            job = self.next_job()
            if job is None:
                return
            (method, path, body), into, i = job
            if left() <= 0:
                into[i] = {"skipped": "budget"}
                continue
            into[i] = path_request(c, method, path, self.token, body)

    def extra(self, host, port, cafile, server_name):
        def run():
            try:
                s, _ = open_tls(host, port, cafile, server_name)
            except Exception:
                return
            c = path_connection(host, port, cafile, server_name)
            c.sock = s
            try:
                self.decided.wait(max(0, left()) + step_timeout())
                if self.token is not None:
                    self.take(c)
            finally:
                c.close()

        t = threading.Thread(target=run, daemon=True)
        t.start()
        return t

    def abandon(self):
        self.decided.set()

    def run(self, host, port, cafile, server_name, token, first, extras):
        self.token = token
        self.decided.set()

        def primary():
            c = path_connection(host, port, cafile, server_name)
            c.sock = first
            try:
                self.take(c)
            finally:
                c.close()

        first_worker = threading.Thread(target=primary, daemon=True)
        first_worker.start()
        # each answer is bounded by one step timeout; no job starts after the budget
        end = time.time() + max(0, left()) + step_timeout() + 0.5
        for t in [first_worker] + extras:
            t.join(max(0, end - time.time()))
        return [a if a is not None else {"path": self.jobs[i][1], "ok": False, "error": "timeout",
                                         "detail": "abandoned", "step": "http"}
                for i, a in enumerate(self.answers)]


def https(host, port, method, path, token, cafile, body=None, check_hostname=True):
    import http.client
    t0 = time.time()
    try:
        ctx = tls_context(cafile, check_hostname)
        c = http.client.HTTPSConnection(host, int(port), context=ctx, timeout=step_timeout())
        headers = {"Accept": "application/json", "User-Agent": "kubectl-airflow-probe"}
        if token:
            headers["Authorization"] = "Bearer " + token
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        c.request(method, path, body=data, headers=headers)
        resp = c.getresponse()
        raw = resp.read(65536)
        c.close()
        r = {"path": path, "status": resp.status, "ms": ms(t0)}
        try:
            r["json"] = json.loads(raw.decode("utf-8"))
        except Exception:
            r["text"] = raw.decode("utf-8", "replace")[:2000]
        return r
    except Exception as e:
        r = tls_error(e)
        r.update({"path": path, "ms": ms(t0)})
        return r


def summarize_http(r):
    j = r.pop("json", None)
    if isinstance(j, dict):
        if j.get("kind") == "Status":
            r["message"] = str(j.get("message", ""))[:300]
            r["reason"] = j.get("reason")
        elif "gitVersion" in j:
            r["gitVersion"] = j.get("gitVersion")
    return r


def no_proxy_matches(host, no_proxy):
    for e in [x.strip().lower() for x in no_proxy.split(",") if x.strip()]:
        if e == "*":
            return True
        if "/" in e:
            try:
                import ipaddress
                if ipaddress.ip_address(host) in ipaddress.ip_network(e, strict=False):
                    return True
            except ValueError:
                pass
            continue
        e = e.split(":")[0] if e.count(":") == 1 else e
        if host == e or host == e.lstrip("."):
            return True
        if e.startswith(".") and host.endswith(e):
            return True
        if not e.startswith(".") and host.endswith("." + e):
            return True
    return False


def proxy_for(host):
    proxy = os.environ.get("HTTPS_PROXY") or os.environ.get("https_proxy") or os.environ.get("ALL_PROXY") or os.environ.get("all_proxy")
    if not proxy:
        return None
    no = os.environ.get("NO_PROXY") or os.environ.get("no_proxy") or ""
    if no_proxy_matches(host.lower(), no):
        return None
    return proxy


def via_proxy(proxy, host, port):
    """What a client that honours HTTPS_PROXY sees: the proxy's answer to CONNECT host:port."""
    from urllib.parse import urlsplit
    t0 = time.time()
    u = urlsplit(proxy if "://" in proxy else "http://" + proxy)
    auth = None
    if u.username is not None:
        auth = "%s:%s" % (u.username, u.password or "")
    try:
        phost, pport = u.hostname or "", u.port or (443 if u.scheme == "https" else 80)
    except ValueError:
        phost, pport = u.hostname or "", 80
    r = {"proxy": redact_proxy(proxy), "target": "%s:%s" % (host, port)}
    try:
        s = socket.create_connection((phost.strip("[]"), pport), timeout=step_timeout())
        req = "CONNECT %s:%s HTTP/1.1\r\nHost: %s:%s\r\n" % (host, port, host, port)
        if auth:
            req += "Proxy-Authorization: Basic %s\r\n" % base64.b64encode(auth.encode()).decode()
        s.sendall((req + "\r\n").encode())
        line = s.recv(1024).split(b"\r\n", 1)[0].decode("latin-1")
        s.close()
        w = line.split()
        r["status"] = int(w[1]) if len(w) > 1 and w[1].isdigit() else None
        r["line"] = line[:200]
    except Exception as e:
        r.update({"error": classify(e), "detail": str(e)[:200]})
    r["ms"] = ms(t0)
    return r


def ask_ns(a, ns):
    v = a.get("namespace")
    return v if isinstance(v, str) else ns


def ssar_body(ns, a):
    attrs = {"namespace": ask_ns(a, ns), "verb": a.get("verb", ""), "group": a.get("group", ""),
             "resource": a.get("resource", "")}
    if a.get("subresource"):
        attrs["subresource"] = a["subresource"]
    if a.get("name"):
        attrs["name"] = a["name"]
    return {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
            "spec": {"resourceAttributes": attrs}}


def layer_paths(host, port, cafile, token, files):
    ns = files["namespace"].get("value") or "default"
    paths = ["/version", "/readyz"]
    if all(c.isalnum() or c == "-" for c in ns):
        # a read with the pod's own token: a 403 here is what the pod's client gets
        paths.append("/api/v1/namespaces/%s/pods?limit=1" % ns)
    asks = [a for a in (P.get("access") or []) if isinstance(a, dict)]
    # every layer through the ClusterIP and against each endpoint directly, each verified as the
    # service IP (the name the pod's client checks wherever kube-proxy sends it)
    targets = [("service", host, port)] + [("endpoint", str(e.get("ip")), int(e.get("port")))
                                           for e in (P.get("endpoints") or []) if isinstance(e, dict)]
    shared = None
    if P.get("accessOnce") and asks:
        shared = SharedJobs([("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", ssar_body(ns, a))
                             for a in asks])
    # Each permission asked once (doctor): the pod's own read too, through the service address, the
    # one its client uses. Every request then fits in one round trip of the connections.
    path_gets = [paths if i == 0 or not P.get("accessOnce") else paths[:2] for i in range(len(targets))]
    counts = path_connection_counts([len(g) + (0 if shared else len(asks)) for g in path_gets],
                                    len(shared.jobs) if shared else 0)
    if token and ssl is not None:
        # http.client loads while the handshakes are under way
        threading.Thread(target=path_connection_class, daemon=True).start()
    res = run_all([lambda i=i, t=t: one_path(t[0], t[1], t[2], host, cafile, token, ns, path_gets[i],
                                             [] if shared else asks, shared, counts[i])
                   for i, t in enumerate(targets)],
                  extra=max(0.5, left() + 0.5))
    out = [r if r is not None else {"target": targets[i][0], "host": targets[i][1], "port": int(targets[i][2]),
                                    "serverName": host, "connect": {"ok": False, "error": "timeout", "detail": "abandoned"}}
           for i, r in enumerate(res)]
    access = None
    if shared is not None and any(a is not None for a in shared.answers):
        access = []
        for i, a in enumerate(asks):
            item = review_item(a, ns, shared.answers[i] if shared.answers[i] is not None else {"skipped": "budget"})
            if shared.via[i]:
                item["via"] = shared.via[i]
            access.append(item)
    return out, access


# ---- Remote clusters: a kubeconfig Airflow's config or kubernetes_default connection points at ----
# Read as the kubernetes Python client reads it (kubernetes/config/kube_config.py, checked against
# Debian's python3-kubernetes 22.6): the context named, else current-context; the user's auth in
# _load_authentication's order (auth-provider, token then tokenFile, exec, username/password), a client
# certificate beside it; certificate-authority-data before certificate-authority (FileOrData); an exec
# plugin run as ExecProvider runs it (exec/env merged into a copy of os.environ, KUBERNETES_EXEC_INFO
# set, cwd the kubeconfig's directory). Nothing of the kubeconfig's content is printed: only names,
# the server URL with its userinfo redacted, which auth method, and what each step answered.

def conn_extras_in_pod(name):
    """The kubernetes_default connection's extras from its variable (URI or JSON form, as
    airflow/models/connection.py parses them); None when unset or unreadable."""
    raw = os.environ.get(name)
    if raw is None:
        return None
    raw = raw.strip()
    try:
        if raw.startswith("{"):
            extra = json.loads(raw).get("extra") or {}
            return json.loads(extra) if isinstance(extra, str) else extra
        from urllib.parse import parse_qsl
        query = dict(parse_qsl(raw.partition("?")[2], keep_blank_values=True))
        return json.loads(query["__extra__"]) if "__extra__" in query else query
    except Exception:
        return "invalid"


def conn_field(extras, name):
    # KubernetesHook._get_field: the plain name, then the prefixed one; a falsy value is unset
    if name in extras:
        return extras[name] or None
    return extras.get("extra__kubernetes__" + name) or None


def load_config_text(text):
    try:
        import yaml
        return yaml.safe_load(text), None
    except ImportError:
        try:
            return json.loads(text), None
        except ValueError:
            return None, "not JSON, and this Python has no PyYAML to read YAML"
    except Exception as e:
        return None, "not valid YAML (%s)" % type(e).__name__


def named(items, name):
    for i in items if isinstance(items, list) else []:
        if isinstance(i, dict) and i.get("name") == name:
            return i
    return None


def remote_source(item, r):
    """The kubeconfig as a dict, and its directory (relative paths in it are read from there)."""
    path, field = item.get("path"), item.get("field")
    if item.get("connEnv"):
        extras = conn_extras_in_pod(str(item["connEnv"]))
        if extras is None:
            r["error"] = "connection-unset"
            return None, None
        if not isinstance(extras, dict):
            r["error"] = "connection-invalid"
            return None, None
        if not field:
            chosen = [f for f in ("in_cluster", "kube_config_path", "kube_config") if conn_field(extras, f)]
            if len(chosen) > 1:
                r["error"] = "connection-exclusive"
                r["set"] = chosen
                return None, None
            if not chosen or chosen[0] == "in_cluster":
                r["connection"] = chosen[0] if chosen else "default"
                return None, None
            field = chosen[0]
            r["field"] = field
        if not item.get("context") and conn_field(extras, "cluster_context"):
            r["context"] = str(conn_field(extras, "cluster_context"))[:253]
        dv = conn_field(extras, "disable_verify_ssl")
        # KubernetesHook's _get_bool: a bool, or "true" in any case
        if dv is True or (isinstance(dv, str) and dv.strip().lower() == "true"):
            item = dict(item, verify=False, tlsFrom="disable_verify_ssl in the kubernetes_default connection")
            r["_override"] = item
        if field == "kube_config_path":
            path = str(conn_field(extras, "kube_config_path") or "")
        else:
            inline = conn_field(extras, "kube_config")
            r["source"] = "inline"
            r["path"] = "inline from the connection"
            if isinstance(inline, dict):
                return inline, "/tmp"
            cfg, err = load_config_text(str(inline or ""))
            if err:
                r["error"] = "unparsable"
                r["detail"] = err
            # the hook writes it to a temporary file and loads that: relative paths start in the temp dir
            return cfg, "/tmp"
    if item.get("defaultLocation") and not path:
        env = os.environ.get("KUBECONFIG", "")
        found = [p for p in (os.path.expanduser(x) for x in env.split(os.pathsep) if x) if os.path.exists(p)]
        path = found[0] if found else (env.split(os.pathsep)[0] if env else os.path.expanduser("~/.kube/config"))
        r["defaultFrom"] = "KUBECONFIG" if env else "~/.kube/config"
    r["source"] = "file"
    r["path"] = path
    info = {"present": os.path.exists(path)}
    r["file"] = info
    if not info["present"]:
        r["error"] = "file-missing"
        return None, None
    try:
        with open(path) as f:
            text = f.read(1 << 20)
        info["readable"] = True
    except (OSError, UnicodeDecodeError) as e:
        info["readable"] = False
        info["error"] = getattr(e, "strerror", None) or type(e).__name__
        r["error"] = "file-unreadable"
        return None, None
    cfg, err = load_config_text(text)
    if err:
        r["error"] = "unparsable"
        r["detail"] = err
    return cfg, os.path.dirname(os.path.abspath(path))


def pick_context(cfg, want, r):
    if not isinstance(cfg, dict):
        r["error"] = "unparsable"
        r.setdefault("detail", "no configuration found")
        return None, None
    r["contexts"] = [str(c.get("name"))[:253] for c in (cfg.get("contexts") or []) if isinstance(c, dict)][:20]
    name = want or cfg.get("current-context")
    r["contextFrom"] = "named" if want else "current-context"
    if not name:
        r["error"] = "no-current-context"
        return None, None
    r["context"] = str(name)[:253]
    ctx = named(cfg.get("contexts"), name)
    if not ctx or not isinstance(ctx.get("context"), dict):
        r["error"] = "context-not-found"
        return None, None
    cluster = named(cfg.get("clusters"), ctx["context"].get("cluster"))
    if not cluster or not isinstance(cluster.get("cluster"), dict):
        r["error"] = "cluster-not-found"
        r["cluster"] = str(ctx["context"].get("cluster"))[:253]
        return None, None
    user = named(cfg.get("users"), ctx["context"].get("user")) or {}
    return cluster["cluster"], user.get("user") if isinstance(user.get("user"), dict) else {}


def rel(base, p):
    return os.path.normpath(os.path.join(base or "", str(p)))


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read(1 << 20)


def exec_lookup(command, env, cwd):
    """Where the exec plugin's command is found, as subprocess finds it: a path (with a slash) from
    the working directory, a bare name on the PATH of the merged environment."""
    if "/" in command:
        p = os.path.normpath(os.path.join(cwd or "", command))
        return p if os.path.isfile(p) and os.access(p, os.X_OK) else None
    for d in os.get_exec_path(env):
        p = os.path.join(d, command)
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    return None


def run_exec_plugin(ex, env, cwd, r):
    """Runs the credential plugin bounded by the step timeout; returns its ExecCredential status.
    Its stdout holds the credential and its stderr may: neither is ever printed."""
    import subprocess
    info = {"apiVersion": ex.get("apiVersion"), "kind": "ExecCredential", "spec": {"interactive": False}}
    env = dict(env)
    env["KUBERNETES_EXEC_INFO"] = json.dumps(info)
    argv = [str(ex.get("command"))] + [str(a) for a in (ex.get("args") or [])]
    t0 = time.time()
    try:
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             cwd=cwd or None, env=env)
    except OSError as e:
        r["run"] = {"ok": False, "error": "not-started", "detail": e.strerror or type(e).__name__}
        return None
    try:
        out, _ = p.communicate(timeout=step_timeout())
    except Exception:
        p.kill()
        p.wait()
        r["run"] = {"ok": False, "error": "timeout", "ms": ms(t0)}
        return None
    if p.returncode != 0:
        r["run"] = {"ok": False, "error": "exit", "exitCode": p.returncode, "ms": ms(t0)}
        return None
    try:
        status = json.loads(out.decode("utf-8", "replace")).get("status") or {}
    except Exception:
        status = None
    if not isinstance(status, dict) or not (status.get("token") or status.get("clientCertificateData")):
        r["run"] = {"ok": False, "error": "no-credential", "ms": ms(t0)}
        return None
    r["run"] = {"ok": True, "gave": "token" if status.get("token") else "clientCertificate", "ms": ms(t0)}
    return status


def memfile(data):
    """A file that exists only in memory (for load_cert_chain, which takes paths): nothing is
    written in the pod. None where memfd_create is missing."""
    if not hasattr(os, "memfd_create"):
        return None
    fd = os.memfd_create("kubectl-airflow")
    os.write(fd, data)
    return fd


def remote_auth(user, base, r):
    """The credentials the Python client would send, and what the report may say about them."""
    auth = {}
    r["auth"] = auth
    cred = {"token": None, "cert": None, "key": None}
    if user.get("auth-provider"):
        auth["method"] = "auth-provider"
        auth["provider"] = str((user["auth-provider"] or {}).get("name", ""))[:64]
        return cred
    if user.get("token") or user.get("tokenFile"):
        auth["method"] = "token" if user.get("token") else "tokenFile"
        if user.get("token"):
            cred["token"] = str(user["token"]).strip()
        else:
            path = rel(base, user["tokenFile"])
            auth["tokenFile"] = {"path": path, "present": os.path.exists(path)}
            try:
                cred["token"] = read_bytes(path).decode("utf-8", "replace").strip()
            except OSError as e:
                auth["tokenFile"]["error"] = e.strerror or type(e).__name__
    elif isinstance(user.get("exec"), dict):
        ex = user["exec"]
        env = os.environ.copy()
        for e in ex.get("env") or []:
            if isinstance(e, dict) and "name" in e:
                env[str(e["name"])] = str(e.get("value", ""))
        command = str(ex.get("command") or "")
        found = exec_lookup(command, env, base) if command else None
        auth["method"] = "exec"
        auth["exec"] = {"command": command[:200], "found": found, "apiVersion": str(ex.get("apiVersion", ""))[:80],
                        "path": env.get("PATH", "")[:400]}
        if ex.get("installHint"):
            auth["exec"]["installHint"] = str(ex["installHint"])[:300]
        if found and left() > 0:
            status = run_exec_plugin(ex, env, base, auth["exec"])
            if status and status.get("token"):
                cred["token"] = str(status["token"]).strip()
            elif status:
                cred["cert"] = status.get("clientCertificateData", "").encode()
                cred["key"] = str(status.get("clientKeyData", "")).encode()
    elif user.get("username") and user.get("password"):
        auth["method"] = "basic"
        cred["basic"] = base64.b64encode(("%s:%s" % (user["username"], user["password"])).encode()).decode()
    if cred["cert"] is None and (user.get("client-certificate-data") or user.get("client-certificate")):
        try:
            cred["cert"] = (base64.b64decode(user["client-certificate-data"]) if user.get("client-certificate-data")
                            else read_bytes(rel(base, user["client-certificate"])))
            cred["key"] = (base64.b64decode(user.get("client-key-data") or "") if user.get("client-key-data")
                           else read_bytes(rel(base, user.get("client-key") or "")))
        except (OSError, ValueError, TypeError) as e:
            auth["clientCertificateError"] = getattr(e, "strerror", None) or type(e).__name__
            cred["cert"] = None
        auth["clientCertificate"] = True
        auth.setdefault("method", "clientCertificate")
    auth.setdefault("method", "none")
    return cred


def ca_file_context(path, tls):
    """A context trusting the CA file at path; None with the reason in tls when it cannot be read."""
    tls["caFile"] = path
    if not os.path.exists(path):
        tls["caError"] = "file-missing"
        return None
    try:
        return ssl.create_default_context(cafile=path)
    except Exception as e:
        tls["caError"] = getattr(e, "strerror", None) or type(e).__name__
        return None


def unverified_context():
    # nothing is verified, so no CA store is loaded for it
    ctx = ssl.SSLContext(getattr(ssl, "PROTOCOL_TLS_CLIENT", ssl.PROTOCOL_SSLv23))  # before 3.6: the latter
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def remote_tls_context(cluster, base, cred, r, item):
    tls = {}
    r["tls"] = tls
    if item.get("tlsFrom"):
        tls["airflow"] = str(item["tlsFrom"])[:300]
    if item.get("verify") is False:
        # Airflow turns verification off after loading the kubeconfig (verify_ssl, disable_verify_ssl)
        tls["ca"] = "not verified"
        ctx = unverified_context()
    elif item.get("caFile"):
        tls["ca"] = "ssl_ca_cert"
        ctx = ca_file_context(str(item["caFile"]), tls)
    elif cluster.get("insecure-skip-tls-verify"):
        tls["ca"] = "insecure-skip-tls-verify"
        ctx = unverified_context()
    elif cluster.get("certificate-authority-data"):
        tls["ca"] = "certificate-authority-data"
        try:
            ctx = ssl.create_default_context(cadata=base64.b64decode(cluster["certificate-authority-data"]).decode("ascii", "replace"))
        except Exception as e:
            tls["caError"] = "not a PEM certificate (%s)" % type(e).__name__
            ctx = None
    elif cluster.get("certificate-authority"):
        tls["ca"] = "certificate-authority"
        ctx = ca_file_context(rel(base, cluster["certificate-authority"]), tls)
    else:
        tls["ca"] = "system"
        ctx = ssl.create_default_context()
    if ctx is None:
        return None
    if cred.get("cert"):
        fds = [memfile(cred["cert"]), memfile(cred["key"] or b"")]
        if None in fds:
            r["auth"]["clientCertificateError"] = "no memfd_create: the probe writes no key to disk"
        else:
            try:
                ctx.load_cert_chain("/proc/self/fd/%d" % fds[0], "/proc/self/fd/%d" % fds[1])
            except Exception as e:
                r["auth"]["clientCertificateError"] = type(e).__name__
            for fd in fds:
                os.close(fd)
    return ctx


def remote_call(sock, host, port, cred):
    """SelfSubjectReview (who the credentials are), else GET /api where the API has no such review."""
    import http.client
    c = http.client.HTTPConnection(host, int(port), timeout=step_timeout())
    c.sock = sock
    headers = {"Accept": "application/json", "User-Agent": "kubectl-airflow-probe", "Content-Type": "application/json"}
    if cred.get("token"):
        headers["Authorization"] = "Bearer " + cred["token"]
    elif cred.get("basic"):
        headers["Authorization"] = "Basic " + cred["basic"]
    t0 = time.time()
    calls = [("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews",
              json.dumps({"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"})),
             ("GET", "/api", None)]
    r = {}
    try:
        for method, path, body in calls:
            c.request(method, path, body=body, headers=headers)
            resp = c.getresponse()
            raw = resp.read(65536)
            r = {"path": path, "status": resp.status, "ms": ms(t0)}
            try:
                j = json.loads(raw.decode("utf-8"))
            except Exception:
                j = None
            if isinstance(j, dict) and j.get("kind") == "Status":
                r["message"] = str(j.get("message", ""))[:300]
            elif isinstance(j, dict) and isinstance(j.get("status"), dict):
                r["user"] = str(((j["status"].get("userInfo") or {}).get("username")) or "")[:253]
            if resp.status != 404 or left() <= 0:
                break
    except Exception as e:
        r = tls_error(e) if isinstance(e, ssl.SSLError) else {"ok": False, "error": classify(e), "detail": str(e)[:200]}
        r["ms"] = ms(t0)
    c.close()
    return r


def probe_remote(item):
    r = {"origin": str(item.get("origin", ""))[:300]}
    if item.get("context"):
        r["context"] = str(item["context"])[:253]
    cfg, base = remote_source(item, r)
    item = r.pop("_override", item)
    if r.get("error") or r.get("connection"):
        return r
    cluster, user = pick_context(cfg, r.get("context"), r)
    if cluster is None:
        return r
    from urllib.parse import urlsplit
    server = str(cluster.get("server") or "")
    r["server"] = redact_proxy(server)[:300]
    try:
        u = urlsplit(server)
        host, port = u.hostname, u.port or (443 if u.scheme == "https" else 80)
    except ValueError:
        host, port = None, None
    if not host or u.scheme not in ("https", "http"):
        r["error"] = "bad-server"
        return r
    r.update({"host": host, "port": port, "scheme": u.scheme})
    cred = remote_auth(user or {}, base, r)
    if ":" not in host and not all(c.isdigit() or c == "." for c in host):
        if left() <= 0:
            r["dns"] = {"skipped": "budget"}
            return r
        res = run_all([lambda: resolve(host)])[0]
        r["dns"] = res or {"name": host, "error": "timeout", "detail": "no answer within %.1fs" % P["timeout"]}
        if not r["dns"].get("addresses"):
            return r
    if left() <= 0:
        r["tcp"] = {"skipped": "budget"}
        return r
    t0 = time.time()
    try:
        raw = socket.create_connection((host, int(port)), timeout=step_timeout())
        r["tcp"] = {"ok": True, "ms": ms(t0)}
    except (OSError, socket.timeout) as e:
        r["tcp"] = {"ok": False, "error": classify(e), "detail": str(e)[:200], "ms": ms(t0)}
        return r
    sock = raw
    if u.scheme == "https":
        ctx = remote_tls_context(cluster, base, cred, r, item) if ssl is not None else None
        if ctx is None:
            raw.close()
            if ssl is None:
                r["tls"] = {"skipped": "python3 has no ssl module"}
            return r
        t0 = time.time()
        try:
            raw.settimeout(step_timeout())
            sock = ctx.wrap_socket(raw, server_hostname=host)
            r["tls"].update({"ok": True, "ms": ms(t0)})
        except Exception as e:
            raw.close()
            r["tls"].update(tls_error(e))
            r["tls"]["ms"] = ms(t0)
            return r
    if r["auth"]["method"] == "auth-provider":
        sock.close()
        r["call"] = {"skipped": "auth-provider %s: its tokens come from an interactive login the probe does not replay" % r["auth"].get("provider")}
        return r
    ex = r["auth"].get("exec")
    if ex and not ex.get("found"):
        sock.close()
        r["call"] = {"skipped": "exec plugin %s not found" % ex["command"]}
        return r
    if ex and not (ex.get("run") or {}).get("ok"):
        sock.close()
        r["call"] = {"skipped": "the exec plugin gave no credential"}
        return r
    if left() <= 0:
        sock.close()
        r["call"] = {"skipped": "budget"}
        return r
    r["call"] = remote_call(sock, host, port, cred)
    return r


def start_remote(items):
    """Probes every kubeconfig beside the in-cluster layers (own threads, same budget); returns the
    function that collects their results."""
    items = [i for i in (items or []) if isinstance(i, dict)][:4]
    if not items:
        return lambda: None
    out = [None] * len(items)

    def one(i):
        try:
            out[i] = probe_remote(items[i])
        except Exception as e:
            out[i] = {"origin": str(items[i].get("origin", ""))[:300], "error": "other", "detail": type(e).__name__}

    ts = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(len(items))]
    for t in ts:
        t.start()

    def collect():
        for t in ts:
            t.join(max(0.1, left() + 1))
        return [r if r is not None else {"origin": str(items[i].get("origin", ""))[:300], "error": "timeout",
                                         "detail": "not finished within the probe's budget"}
                for i, r in enumerate(out)]

    return collect


def mode_net():
    out = {"probe": "python3", "schema": 2, "mode": "net", "python": sys.version.split()[0],
           "now": int(time.time()), "timeout": P["timeout"], "budget": P["budget"]}
    remote = start_remote(P.get("remote"))
    env = layer_env()
    out["env"] = env
    files = layer_files()
    out["files"] = files
    resolv = layer_resolv()
    out["resolv"] = resolv
    host = env.get("KUBERNETES_SERVICE_HOST", "")
    port = env.get("KUBERNETES_SERVICE_PORT", "")
    cafile = os.path.join(SA_DIR, "ca.crt")
    token = token_value()
    why = None
    if not host or not port:
        why = "service env missing"
    elif not files["ca.crt"].get("readable"):
        why = "ca.crt missing"
    elif ssl is None:
        why = "python3 has no ssl module"
    elif left() <= 0:
        why = "budget"
    if why:
        out["paths"] = {"skipped": why}
    elif not token:
        out["http"] = {"skipped": "no token"}
    # no step needs another's result (the verdict puts them in order): all at once
    steps = [layer_clients, lambda: layer_dns(resolv), lambda: layer_tcp(host, port, P.get("endpoints") or [])]
    if not why:
        steps.append(lambda: layer_paths(host, port, cafile, token, files))
    res = run_all(steps, extra=max(0.5, left() + 0.5))
    out["clients"] = res[0] if isinstance(res[0], dict) and "error" not in res[0] else {}
    out["dns"] = res[1] if isinstance(res[1], list) else []
    out["tcp"] = res[2] if isinstance(res[2], list) else []
    if not why:
        found = res[3] if isinstance(res[3], tuple) else ({"skipped": "budget"}, None)
        out["paths"] = found[0]
        if found[1] is not None:
            out["access"] = found[1]
    if host and port:
        proxy = proxy_for(host)
        if proxy and left() > 0:
            out["proxy"] = via_proxy(proxy, host, port)
    if P.get("remote"):
        out["remote"] = remote()
    out["elapsedMs"] = ms(START)
    return out


def readyz_one(ep, token, cafile):
    host, port = str(ep.get("ip")), int(ep.get("port"))
    r = {"ip": host, "port": port, "tcp": connect(host, port)}
    if not r["tcp"]["ok"]:
        return r
    # Endpoint IPs are often not in the serving certificate: verify the chain, report the name apart.
    r["tls"] = tls_handshake(host, port, cafile, check_hostname=True)
    check = True
    if not r["tls"].get("ok") and r["tls"].get("error") == "name-mismatch":
        r["tls"] = tls_handshake(host, port, cafile, check_hostname=False)
        r["tls"]["nameMismatch"] = True
        check = False
    if r["tls"].get("ok") and token:
        r["readyz"] = summarize_http(https(host, port, "GET", "/readyz?verbose", token, cafile, check_hostname=check))
    return r


def mode_readyz():
    out = {"probe": "python3", "schema": 1, "mode": "readyz", "now": int(time.time())}
    token = token_value()
    cafile = os.path.join(SA_DIR, "ca.crt")
    eps = [e for e in (P.get("endpoints") or []) if isinstance(e, dict)]
    res = run_all([lambda e=e: readyz_one(e, token, cafile) for e in eps], extra=3 * P["timeout"])
    out["endpoints"] = [r if r is not None else {"ip": eps[i].get("ip"), "port": eps[i].get("port"), "error": "timeout"}
                        for i, r in enumerate(res)]
    out["elapsedMs"] = ms(START)
    return out


def watch_open(host, port, ns, seconds, token, cafile):
    """GET the pods of ns as a watch, as the executor's watcher does (allowWatchBookmarks). HTTP/1.0:
    the body is then the raw stream, not chunked, so a read that times out loses nothing."""
    s, _ = open_tls(host, port, cafile, host)
    path = "/api/v1/namespaces/%s/pods?watch=1&allowWatchBookmarks=true&timeoutSeconds=%d" % (ns, seconds + 30)
    h = host if ":" not in host else "[%s]" % host
    req = "GET %s HTTP/1.0\r\nHost: %s:%s\r\nAccept: application/json\r\nUser-Agent: kubectl-airflow-probe\r\n" % (path, h, port)
    if token:
        req += "Authorization: Bearer %s\r\n" % token
    s.sendall((req + "\r\n").encode("ascii"))
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(4096)
        if not chunk:
            break
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    try:
        code = int(head.split(b"\r\n")[0].split()[1])
    except (IndexError, ValueError):
        code = 0
    chunked = b"transfer-encoding: chunked" in head.lower()
    return s, code, rest, chunked


def dechunk(raw):
    """Chunked transfer coding (RFC 9112 7.1) of what has arrived so far: (data, rest, ended)."""
    data = b""
    while True:
        i = raw.find(b"\r\n")
        if i < 0:
            return data, raw, False
        try:
            size = int(raw[:i].split(b";")[0].strip() or b"0", 16)
        except ValueError:
            return data, b"", True
        if size == 0:
            return data, b"", True
        if len(raw) < i + 2 + size + 2:
            return data, raw, False
        data += raw[i + 2:i + 2 + size]
        raw = raw[i + 2 + size + 2:]


def watch_line(line, t, timeline):
    try:
        ev = json.loads(line.decode("utf-8", "replace"))
    except ValueError:
        timeline.append({"t": t, "kind": "garbled"})
        return
    typ = ev.get("type") if isinstance(ev, dict) else None
    obj = ev.get("object") if isinstance(ev, dict) and isinstance(ev.get("object"), dict) else {}
    if typ == "BOOKMARK":
        timeline.append({"t": t, "kind": "bookmark"})
    elif typ == "ERROR":
        timeline.append({"t": t, "kind": "error", "code": obj.get("code"), "reason": obj.get("reason"),
                         "message": str(obj.get("message") or "")[:200]})
    else:
        timeline.append({"t": t, "kind": "event", "type": str(typ)[:20]})


def mode_watch():
    out = {"probe": "python3", "schema": 1, "mode": "watch", "started": int(START)}
    seconds = max(1, min(600, int(P.get("seconds") or 10)))
    silence = float(P.get("silence") or 3)
    ns = str(P.get("namespace") or "default")
    out.update({"seconds": seconds, "silence": silence, "namespace": ns})
    host, port = os.environ.get("KUBERNETES_SERVICE_HOST"), os.environ.get("KUBERNETES_SERVICE_PORT")
    if not host or not port or ssl is None:
        out["error"] = "no KUBERNETES_SERVICE_HOST/PORT" if ssl is not None else "this Python has no ssl module"
        return out
    timeline = []
    out["timeline"] = timeline
    t0 = time.time()
    rel = lambda: round(time.time() - t0, 2)
    try:
        s, code, rest, chunked = watch_open(host, port, ns, seconds, token_value(), os.path.join(SA_DIR, "ca.crt"))
    except StepFailed as e:
        out["error"] = "%s: %s" % (e.step, e.result.get("error"))
        return out
    except (OSError, socket.timeout) as e:
        out["error"] = classify(e)
        return out
    out["status"] = code
    if code != 200:
        body = rest
        try:
            s.settimeout(P["timeout"])
            while len(body) < 4096:
                chunk = s.recv(4096)
                if not chunk:
                    break
                body += chunk
        except (OSError, socket.timeout):
            pass
        if chunked:
            body = dechunk(body)[0]
        try:
            out["message"] = str(json.loads(body.decode("utf-8", "replace")).get("message") or "")[:200]
        except (ValueError, AttributeError):
            out["message"] = body.decode("utf-8", "replace")[:200]
        return out
    end = t0 + seconds
    last = 0.0
    raw, buf, ended = rest, b"", False
    while True:
        if chunked:
            data, raw, ended = dechunk(raw)
            buf += data
        else:
            buf, raw = buf + raw, b""
        while b"\n" in buf:
            line, _, buf = buf.partition(b"\n")
            if line.strip():
                watch_line(line, rel(), timeline)
        if ended:
            timeline.append({"t": rel(), "kind": "end"})
            break
        now = time.time()
        if now >= end:
            break
        s.settimeout(max(0.05, min(0.25, end - now)))
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            continue
        except OSError as e:
            timeline.append({"t": rel(), "kind": "reset", "error": classify(e)})
            break
        t = rel()
        if not chunk:
            timeline.append({"t": t, "kind": "end"})
            break
        if t - last > silence:
            timeline.append({"t": last, "kind": "silence", "until": t})
        last = t
        raw += chunk
    t = rel()
    if not timeline or timeline[-1]["kind"] not in ("end", "reset"):
        if t - last > silence:
            timeline.append({"t": last, "kind": "silence", "until": t, "open": True})
        timeline.append({"t": t, "kind": "held"})
    try:
        s.close()
    except OSError:
        pass
    return out


def main():
    mode = P.get("mode")
    out = mode_readyz() if mode == "readyz" else mode_watch() if mode == "watch" else mode_net()
    sys.stdout.write(json.dumps(out, sort_keys=True) + "\n")
    sys.stdout.flush()
    os._exit(0)  # abandoned resolver/connect threads must not delay the exit


main()
