# kubectl-airflow in-pod probe, POSIX sh version (for images without Python). Shipped byte-for-byte.
#
# Run as:  sh -c "<this file>" kubectl-airflow-probe MODE TIMEOUT ATTEMPTS [ep IP PORT]... [access VERB GROUP RESOURCE SUBRESOURCE NAMESPACE]...
#   (a SelfSubjectAccessReview with the pod's token; NAMESPACE "" is cluster-wide)
#   MODE     net (the layered probe of `kubectl airflow net`) or readyz (for `kubectl airflow ha
#            --from <pod>`: TCP + TLS + GET /readyz?verbose on every `ep`, concurrently), or watch
#            (`net --watch`: then SECONDS NAMESPACE SILENCE; a watch on pods with curl -N, each line timed)
#   TIMEOUT  whole seconds per network step; ATTEMPTS: TCP connects to the service address
# Arguments are data only (validated by the plugin); nothing from them is evaluated as code.
# Uses only tools found in the container (timeout, curl, openssl, nc, bash, getent, nslookup,
# base64); a layer that needs a missing tool is reported as {"skipped": "<tool> not found"}.
# Writes nothing in the pod (no temporary files), never prints the token or claims beyond
# exp/iat/iss/aud, passes the token to curl on stdin (-K -), never in an argument list, and
# prints exactly ONE JSON document on stdout. The output has the shape of probe.py's.
SA=/var/run/secrets/kubernetes.io/serviceaccount
[ -n "${KUBECTL_AIRFLOW_PROBE_SA_DIR:-}" ] && SA=$KUBECTL_AIRFLOW_PROBE_SA_DIR # the probe's own tests only
MODE=${1:-net}
T=${2:-3}
ATTEMPTS=${3:-5}
case $T in '' | *[!0-9]*) T=3 ;; esac
case $ATTEMPTS in '' | *[!0-9]*) ATTEMPTS=5 ;; esac
[ "$T" -lt 1 ] && T=1
shift 3 2>/dev/null || set --
NL='
'
TAB='	'
CR=$(printf '\r')

have() { command -v "$1" >/dev/null 2>&1; }

# Arguments are checked before use: an address, a port, a lowercase API word.
valid_ep() {
	case $1 in '' | *[!0-9a-fA-F.:]*) return 1 ;; esac
	case $2 in '' | *[!0-9]*) return 1 ;; esac
	[ ${#2} -le 5 ]
}
valid_word() {
	case $1 in *[!a-z0-9.*-]*) return 1 ;; esac
	return 0
}

# The string value of "KEY" in a JSON text (first occurrence; \" inside it kept as ").
json_field() {
	v=${1#*\"$2\":}
	v=${v# }
	case $v in \"*) v=${v#\"} ;; *) return 0 ;; esac
	o=
	while :; do
		case $v in
		*\"*)
			pre=${v%%\"*}
			v=${v#*\"}
			case $pre in
			*\\)
				o="$o${pre%?}\""
				;;
			*)
				o="$o$pre"
				break
				;;
			esac
			;;
		*)
			o="$o$v"
			break
			;;
		esac
	done
	printf '%s' "$o"
}

# JSON string of $1 (pure sh: no sed/tr needed).
js() {
	s=$1
	o=
	while :; do
		case $s in
		*[\\\"$NL$TAB$CR]*)
			pre=${s%%[\\\"$NL$TAB$CR]*}
			c=${s#"$pre"}
			rest=${c#?}
			c=${c%"$rest"}
			case $c in
			"$NL") c='\n' ;;
			"$TAB") c='\t' ;;
			"$CR") c='\r' ;;
			*) c="\\$c" ;;
			esac
			o="$o$pre$c"
			s=$rest
			;;
		*)
			o="$o$s"
			break
			;;
		esac
	done
	printf '"%s"' "$o"
}

now_ms() {
	v=$(date +%s%N 2>/dev/null)
	case $v in
	*N* | '') v=$(date +%s 2>/dev/null)000 ;;
	*) v=${v%??????} ;;
	esac
	printf '%s' "${v:-0}"
}

# run_to SECONDS CMD...: the command's status, or 124 when it ran out of time.
run_to() {
	if have timeout; then
		timeout "$@"
		return $?
	fi
	_t=$1
	shift
	"$@" &
	_p=$!
	(
		sleep "$_t"
		kill "$_p"
	) >/dev/null 2>&1 &
	_k=$!
	wait "$_p"
	_rc=$?
	kill "$_k" 2>/dev/null
	[ $_rc -ge 128 ] && _rc=124
	return $_rc
}

# curl with only the mounted CA as trust: --cacert replaces the default bundle, but a Debian/Alpine
# curl keeps its compiled-in CApath (/etc/ssl/certs) beside it; --capath pointed at the ServiceAccount
# directory (no hashed certificate names there) leaves the mounted ca.crt as the only anchor.
kcurl() {
	curl -sS --noproxy '*' --cacert "$SA/ca.crt" --capath "$SA" --connect-timeout "$T" --max-time "$T" "$@"
}

# curl_class EXIT OUTPUT: what went wrong, from curl's exit code and its (verbose) message.
# 7 could not connect (-v says why: refused, no route), 28 timeout, 35 handshake; 60 a certificate
# the mounted CA does not verify (since curl 7.62 also a name mismatch: the message tells), 51 a name
# mismatch in older curl.
curl_class() {
	case $1 in
	7) case $2 in
		*[Rr]efused*) echo refused ;;
		*[Nn]etwork\ is\ unreachable*) echo net-unreachable ;;
		*[Nn]o\ route* | *[Hh]ost\ is\ unreachable*) echo host-unreachable ;;
		*[Uu]nreachable*) echo unreachable ;;
		*[Rr]eset\ by\ peer*) echo reset ;;
		*[Tt]imed\ out*) echo timeout ;;
		*[Nn]ot\ permitted*) echo blocked ;;
		*) echo refused ;; # without -v newer curl drops the errno: an immediate failure is a refusal
		esac ;;
	28) echo timeout ;;
	51) echo name-mismatch ;;
	*) tls_class "$2" ;;
	esac
}

# The line of curl's output worth showing: why the connect failed (-v), and curl's own error line.
curl_why() {
	w=
	l=
	while IFS= read -r line; do
		case $line in
		"* connect to "*" failed: "* | "* Immediate connect fail"*) [ -n "$w" ] || w=${line#\* } ;;
		"curl: ("*) l=$line ;;
		esac
	done <<EOF
$1
EOF
	case $w in
	'') printf '%s' "${l:-$1}" ;;
	*) printf '%s%s' "$w" "${l:+; $l}" ;;
	esac
}

TOOLS=
MISSING=
for t in timeout curl openssl nc bash getent nslookup base64 date sleep; do
	if have "$t"; then TOOLS="$TOOLS,$(js "$t")"; else MISSING="$MISSING,$(js "$t")"; fi
done
TOOLS=${TOOLS#,}
MISSING=${MISSING#,}
BOUND=$T
have timeout || have sleep || BOUND=

# A proxy value as src/render/redact.ts prints it (Go's url.Redacted: the password as xxxxx), for
# bare user:PASSWORD@host:port too (curl takes it) and a colon-less userinfo (a token) before host:port.
redact() {
	r_s=
	r_v=$1
	case $r_v in *://*)
		r_s=${r_v%%://*}://
		r_v=${r_v#*://}
		;;
	esac
	r_a=${r_v%%/*}
	r_rest=${r_v#"$r_a"}
	case $r_a in
	*@*)
		r_i=${r_a%@*}
		r_h=${r_a##*@}
		case $r_i in
		*:*) r_i="${r_i%%:*}:xxxxx" ;;
		*) if [ -n "$r_s" ]; then r_i=xxxxx; else case $r_h in *:*[!0-9]* | *[!0-9]) ;; *:[0-9]*) r_i=xxxxx ;; esac; fi ;;
		esac
		printf '%s' "$r_s$r_i@$r_h$r_rest"
		;;
	*) printf '%s' "$1" ;;
	esac
}

layer_env() {
	o=
	for k in KUBERNETES_SERVICE_HOST KUBERNETES_SERVICE_PORT HTTPS_PROXY https_proxy HTTP_PROXY http_proxy NO_PROXY no_proxy ALL_PROXY all_proxy; do
		eval "isset=\${$k+x}"
		[ -n "$isset" ] || continue
		eval "v=\${$k}"
		case $k in *PROXY | *proxy) case $k in NO_* | no_*) ;; *) v=$(redact "$v") ;; esac ;; esac
		o="$o,$(js "$k"):$(js "$v")"
	done
	printf '{%s}' "${o#,}"
}

fileinfo() { # fileinfo NAME -> JSON members (no braces)
	f=$SA/$1
	if [ ! -e "$f" ]; then
		printf '"present":false'
		return
	fi
	if [ -r "$f" ] && { read -r _x <"$f" || [ -n "$_x" ]; } 2>/dev/null || [ -r "$f" -a ! -s "$f" ]; then
		printf '"present":true,"readable":true'
	else
		printf '"present":true,"readable":false'
	fi
}

b64url_decode() {
	s=$1
	o=
	while :; do
		case $s in
		*[-_]*)
			pre=${s%%[-_]*}
			c=${s#"$pre"}
			rest=${c#?}
			case $c in -*) c=+ ;; *) c=/ ;; esac
			o="$o$pre$c"
			s=$rest
			;;
		*)
			o="$o$s"
			break
			;;
		esac
	done
	case $((${#o} % 4)) in 2) o="$o==" ;; 3) o="$o=" ;; esac
	if have base64; then
		printf '%s' "$o" | base64 -d 2>/dev/null
	elif have openssl; then
		printf '%s\n' "$o" | openssl base64 -d -A 2>/dev/null
	else
		return 3
	fi
}

claim_num() { # claim_num JSON KEY
	case $1 in *"\"$2\":"*) ;; *) return ;; esac
	v=${1#*\"$2\":}
	v=${v# }
	v=${v%%[!0-9]*}
	[ -n "$v" ] && printf ',"%s":%s' "$2" "$v"
}

claim_str() {
	case $1 in *"\"$2\":\""*) ;; *) return ;; esac
	v=${1#*\"$2\":\"}
	v=${v%%\"*}
	printf ',"%s":%s' "$2" "$(js "$v")"
}

claim_aud() {
	case $1 in
	*'"aud":['*)
		v=${1#*\"aud\":[}
		v=${v%%]*}
		o=
		while :; do
			case $v in *\"*\"*) ;; *) break ;; esac
			v=${v#*\"}
			o="$o,$(js "${v%%\"*}")"
			v=${v#*\"}
		done
		printf ',"aud":[%s]' "${o#,}"
		;;
	*) claim_str "$1" aud ;;
	esac
}

layer_files() {
	printf '{"dir":%s,"dirPresent":%s' "$(js "$SA")" "$([ -d "$SA" ] && echo true || echo false)"
	printf ',"token":{%s' "$(fileinfo token)"
	if [ -r "$SA/token" ]; then
		tok=
		read -r tok <"$SA/token" 2>/dev/null
		printf ',"bytes":%s' "${#tok}"
		p=${tok#*.}
		p=${p%%.*}
		if claims=$(b64url_decode "$p"); then
			printf ',"claims":{%s}' "$( { claim_num "$claims" exp; claim_num "$claims" iat; claim_str "$claims" iss; claim_aud "$claims"; } | {
				read -r x
				printf '%s' "${x#,}"
			})"
		elif [ $? -eq 3 ]; then
			printf ',"claims":null,"claimsSkipped":"base64 not found"'
		else
			printf ',"claims":null,"error":"not a JWT"'
		fi
	fi
	printf '},"ca.crt":{%s' "$(fileinfo ca.crt)"
	if [ -r "$SA/ca.crt" ]; then
		n=0
		while IFS= read -r line; do
			[ "$line" = "-----BEGIN CERTIFICATE-----" ] && n=$((n + 1))
		done <"$SA/ca.crt"
		printf ',"pem":%s,"certificates":%s' "$([ $n -gt 0 ] && echo true || echo false)" "$n"
	fi
	printf '},"namespace":{%s' "$(fileinfo namespace)"
	if [ -r "$SA/namespace" ]; then
		NS=
		read -r NS <"$SA/namespace" 2>/dev/null
		printf ',"value":%s' "$(js "$NS")"
	fi
	printf '}}'
}

layer_resolv() {
	ns=
	se=
	op=
	ndots=
	if [ -r /etc/resolv.conf ]; then
		while read -r k rest; do
			case $k in
			nameserver) ns="$ns,$(js "${rest%% *}")" ;;
			search | domain) for w in $rest; do se="$se,$(js "$w")"; done ;;
			options) for w in $rest; do
				op="$op,$(js "$w")"
				case $w in ndots:*) ndots=${w#ndots:} ;; esac
			done ;;
			esac
		done </etc/resolv.conf
	fi
	printf '{"nameservers":[%s],"search":[%s],"options":[%s]' "${ns#,}" "${se#,}" "${op#,}"
	case $ndots in '' | *[!0-9]*) ;; *) printf ',"ndots":%s' "$ndots" ;; esac
	printf '}'
}

cluster_domain() {
	[ -r /etc/resolv.conf ] || return
	while read -r k rest; do
		[ "$k" = search ] || continue
		for w in $rest; do
			case $w in *.svc.?*)
				printf '%s' "${w#*.svc.}"
				return
				;;
			esac
		done
	done </etc/resolv.conf
}

resolve() { # one JSON object
	t0=$(now_ms)
	if have getent; then
		out=$(run_to "$T" getent hosts "$1" 2>&1)
		rc=$?
	elif have nslookup; then
		out=$(run_to "$T" nslookup "$1" 2>&1)
		rc=$?
		case $out in *NXDOMAIN* | *"can't find"*) rc=2 ;; esac
		if [ $rc -eq 0 ]; then
			a=
			seen=
			for w in $out; do
				case $w in Address:) seen=1 ;; *.*.*.*) [ -n "$seen" ] && a="$a $w" ;; esac
			done
			out=$a
		fi
	else
		printf '{"name":%s,"skipped":"getent and nslookup not found"}' "$(js "$1")"
		return
	fi
	ms=$(($(now_ms) - t0))
	if [ $rc -eq 0 ]; then
		a=
		for w in $out; do
			case $w in *[!0-9a-fA-F.:]*) ;; *:* | *.*.*.*) case $a in *"\"$w\""*) ;; *) a="$a,$(js "$w")" ;; esac ;; esac
		done
		printf '{"name":%s,"addresses":[%s],"ms":%s}' "$(js "$1")" "${a#,}" "$ms"
	elif [ $rc -eq 124 ]; then
		printf '{"name":%s,"error":"timeout","detail":%s,"ms":%s}' "$(js "$1")" "$(js "no answer within ${T}s")" "$ms"
	elif [ $rc -eq 2 ] && [ -z "$out" ]; then
		# getent says only "not found": NXDOMAIN and an unreachable nameserver look the same
		printf '{"name":%s,"error":"notfound","detail":"getent: not found","ms":%s}' "$(js "$1")" "$ms"
	elif [ $rc -eq 2 ]; then
		printf '{"name":%s,"error":"nxdomain","detail":%s,"ms":%s}' "$(js "$1")" "$(js "$out")" "$ms"
	else
		printf '{"name":%s,"error":"other","detail":%s,"ms":%s}' "$(js "$1")" "$(js "exit $rc: $out")" "$ms"
	fi
}

layer_dns() {
	d=$(cluster_domain)
	# concurrently; each background job prints one short line (atomic on a pipe), joined here
	r=$(
		resolve kubernetes.default.svc | { read -r x; printf '1 %s\n' "$x"; } &
		[ -n "$d" ] && resolve "kubernetes.default.svc.$d" | { read -r x; printf '2 %s\n' "$x"; } &
		wait
	)
	o=
	for i in 1 2; do
		while IFS= read -r line; do
			case $line in "$i "*) o="$o,${line#* }" ;; esac
		done <<EOF
$r
EOF
	done
	printf '[%s]' "${o#,}"
}

# ENETUNREACH "Network is unreachable", EHOSTUNREACH "No route to host": each its own causes
tcp_class() {
	case $1 in
	*[Rr]efused*) echo refused ;;
	*[Tt]imed\ out* | *[Tt]imeout*) echo timeout ;;
	*[Nn]etwork\ is\ unreachable*) echo net-unreachable ;;
	*[Nn]o\ route* | *[Hh]ost\ is\ unreachable*) echo host-unreachable ;;
	*[Uu]nreachable*) echo unreachable ;;
	*[Rr]eset\ by\ peer*) echo reset ;;
	*[Nn]ot\ permitted*) echo blocked ;;
	*) echo other ;;
	esac
}

# nc and bash name the failure (refused, timed out, unreachable); curl does too, in its -v output
# Only an nc with -z (OpenBSD, ncat, Alpine's busybox) can test a connection and close it; Debian's
# busybox nc has no -z and would wait on the server's silence (a false timeout).
TCPTOOL=
NOTCP="curl, nc and bash not found"
if have nc; then
	case $(run_to 2 nc -h </dev/null 2>&1) in
	*-z*) TCPTOOL=nc ;;
	*) NOTCP="curl and bash not found, and nc has no -z (cannot test a connection)" ;;
	esac
fi
if [ -z "$TCPTOOL" ]; then
	if have bash; then
		TCPTOOL=bash
	elif have curl; then
		TCPTOOL=curl
	fi
fi

connect() { # connect HOST PORT -> one attempt object
	t0=$(now_ms)
	case $TCPTOOL in
	curl)
		# -k only to measure the connection: no credential is sent on this request
		u=$1
		case $u in *:*) u="[$u]" ;; esac
		out=$(curl -k -v -sS -o /dev/null --noproxy '*' --connect-timeout "$T" --max-time "$((T + 1))" -w '\nkaf-connect %{time_connect}\n' "https://$u:$2/" 2>&1)
		rc=$?
		# -v says "Connected to"; time_connect alone is 0 when TLS then times out
		tc=${out##*kaf-connect }
		tc=${tc%%[!0-9.]*}
		case $tc in *[1-9]*) ;; *) tc= ;; esac
		case $out in *"$NL* Connected to "*) tc=1 ;; esac
		if [ -n "$tc" ]; then
			rc=0 # connected; what came after (TLS, HTTP) is not this step's business
		else
			[ $rc -eq 0 ] && rc=1
			why=$(curl_why "${out%"$NL"kaf-connect*}")
			out="$(curl_class "$rc" "$out"): $why"
		fi
		;;
	nc)
		out=$(run_to "$T" nc -z -v -w "$T" "$1" "$2" 2>&1 </dev/null)
		rc=$?
		[ $rc -eq 124 ] && out="timed out"
		;;
	bash)
		out=$(run_to "$T" bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>&1)
		rc=$?
		[ $rc -eq 124 ] && out="timed out"
		;;
	esac
	ms=$(($(now_ms) - t0))
	if [ $rc -eq 0 ]; then
		printf '{"ok":true,"ms":%s}' "$ms"
	else
		printf '{"ok":false,"error":"%s","detail":%s,"ms":%s}' "$(tcp_class "$out")" "$(js "$out")" "$ms"
	fi
}

layer_tcp() { # args: target host port n, ... ; prints the tcp array
	o=
	idx=0
	jobs_out=$(
		i=0
		while [ $# -ge 4 ]; do
			n=0
			while [ $n -lt "$4" ]; do
				connect "$2" "$3" | { read -r x; printf '%s %s\n' "$i" "$x"; } &
				n=$((n + 1))
			done
			i=$((i + 1))
			shift 4
		done
		wait
	)
	while [ $# -ge 4 ]; do
		at=
		while IFS= read -r line; do
			case $line in "$idx "*) at="$at,${line#* }" ;; esac
		done <<EOF
$jobs_out
EOF
		o="$o,{\"target\":\"$1\",\"host\":$(js "$2"),\"port\":$3,\"attempts\":[${at#,}]}"
		idx=$((idx + 1))
		shift 4
	done
	printf '[%s]' "${o#,}"
}

tls_class() {
	case $1 in
	*"unable to get local issuer"* | *"self-signed certificate"* | *"self signed certificate"* | *"unable to verify the first"* | *"unknown ca"* | *"unable to get issuer"*) echo unknown-authority ;;
	*"IP address mismatch"* | *"hostname mismatch"* | *"does not match"* | *"no alternative certificate subject name"* | *"subject name"*) echo name-mismatch ;;
	*"certificate has expired"*) echo expired ;;
	*[Tt]imed\ out* | *[Tt]imeout*) echo timeout ;;
	*[Rr]efused*) echo refused ;;
	*[Rr]eset\ by\ peer* | *"unexpected eof"* | *SSL_ERROR_SYSCALL* | *"closed abruptly"*) echo reset ;;
	*) echo handshake ;;
	esac
}

# An IPv6 literal in brackets (URLs, openssl -connect, curl --connect-to).
bracket() {
	case $1 in *:*) printf '[%s]' "$1" ;; *) printf '%s' "$1" ;; esac
}

# tls_handshake HOST PORT [NAME [connected]] -> members: connects to HOST:PORT, verifies the
# certificate as NAME (default HOST: the service IP, which the pod's client checks wherever kube-proxy
# sends it). A failure before the connection is made says "step":"tcp", after it "step":"tls".
# s_client's CONNECTED line is lost when it is killed at the timeout: a timeout then counts as TLS
# only when the caller has just connected to HOST:PORT itself ("connected").
tls_handshake() {
	t0=$(now_ms)
	name=${3:-$1}
	if have openssl; then
		# -CAfile alone already keeps s_client from the default locations; -no-CApath and -no-CAstore
		# say so explicitly (OpenSSL 3); retried without them where unknown (OpenSSL 1.1, LibreSSL)
		out=$(run_to "$T" openssl s_client -connect "$(bracket "$1"):$2" -CAfile "$SA/ca.crt" -no-CApath -no-CAstore -verify_return_error -verify_ip "$name" -servername "$name" </dev/null 2>&1)
		rc=$?
		case $out in *[Uu]nknown\ option*)
			out=$(run_to "$T" openssl s_client -connect "$(bracket "$1"):$2" -CAfile "$SA/ca.crt" -verify_return_error -verify_ip "$name" -servername "$name" </dev/null 2>&1)
			rc=$?
			;;
		esac
		ms=$(($(now_ms) - t0))
		code=
		case $out in *"Verify return code: "*)
			code=${out#*Verify return code: }
			code=${code%%[!0-9]*}
			;;
		esac
		if [ $rc -eq 0 ] && [ "$code" = 0 ]; then
			printf '"ok":true,"tool":"openssl","ms":%s' "$ms"
		else
			# s_client prints CONNECTED(...) once the TCP connection is made
			step=tls
			case $out in *CONNECTED\(*) ;; *) step=tcp ;; esac
			[ $rc -eq 124 ] && [ "$4" = connected ] && step=tls
			[ $rc -eq 124 ] && out="timed out"
			line=
			case $out in *"verify error:"*)
				line=${out#*verify error:}
				line=${line%%"$NL"*}
				;;
			esac
			[ -n "$line" ] || line=$(printf '%s' "$out" | { read -r a; printf '%s' "$a"; })
			if [ $step = tcp ]; then
				printf '"ok":false,"tool":"openssl","error":"%s","detail":%s,"step":"tcp","ms":%s' "$(tcp_class "$out")" "$(js "$line")" "$ms"
			else
				printf '"ok":false,"tool":"openssl","error":"%s","detail":%s,"verifyCode":%s,"step":"tls","ms":%s' "$(tls_class "$out")" "$(js "$line")" "${code:-null}" "$ms"
			fi
		fi
	elif have curl; then
		u=$(bracket "$name")
		# -v (no credential on this request) says "Connected to" once TCP is up: the step of a failure
		out=$(kcurl -v -o /dev/null --connect-to "::$(bracket "$1"):$2" "https://$u:$2/" 2>&1)
		rc=$?
		ms=$(($(now_ms) - t0))
		case $rc in
		0 | 22) printf '"ok":true,"tool":"curl","ms":%s' "$ms" ;;
		*)
			step=tcp
			case $out in *"$NL* Connected to "* | "* Connected to "*) step=tls ;; esac
			why=$(curl_why "$out")
			cls=$(curl_class "$rc" "$out")
			[ $step = tcp ] && [ $rc -eq 28 ] && cls=timeout
			printf '"ok":false,"tool":"curl","error":"%s","detail":%s,"curlExit":%s,"step":"%s","ms":%s' "$cls" "$(js "$why")" "$rc" "$step" "$ms"
			;;
		esac
	else
		printf '"skipped":"openssl and curl not found"'
	fi
}

# https METHOD URL [BODY] -> members path/status/message/gitVersion; the token goes on stdin.
# With CT set (HOST:PORT of one endpoint) the request goes to that endpoint, the certificate still
# verified as the URL's host. A failure says its step: no connection (tcp), no handshake (tls), no answer (http).
https_req() {
	t0=$(now_ms)
	if [ -n "$3" ]; then
		out=$({
			printf 'header = "Authorization: Bearer %s"\n' "$TOKEN"
			printf 'header = "Content-Type: application/json"\n'
		} | kcurl -K - ${CT:+--connect-to "::$CT"} -X "$1" --data-binary "$3" -w '\n%{http_code} %{time_connect} %{time_appconnect}' "$2" 2>&1)
	else
		out=$(printf 'header = "Authorization: Bearer %s"\n' "$TOKEN" |
			kcurl -K - ${CT:+--connect-to "::$CT"} -w '\n%{http_code} %{time_connect} %{time_appconnect}' "$2" 2>&1)
	fi
	rc=$?
	ms=$(($(now_ms) - t0))
	times=${out##*"$NL"}
	code=${times%% *}
	body=${out%"$NL"*}
	if [ $rc -ne 0 ]; then
		tc=${times#* }
		ta=${tc#* }
		tc=${tc%% *}
		# curl fills the times only as far as it got; a timeout before any says nothing: through the
		# service that is a connection kube-proxy sent to an endpoint that drops (the endpoint paths
		# tell which), to one endpoint (just verified) a handshake that hung
		step=http
		case $ta in *[1-9]*) ;; *) step=tls ;; esac
		case $tc:$CT in *[1-9]*:* | *:?*) ;; *) step=tcp ;; esac
		case $rc in 35 | 51 | 58 | 60 | 77 | 80 | 83 | 90 | 91) step=tls ;; 7) step=tcp ;; esac
		printf '"error":"%s","detail":%s,"curlExit":%s,"step":"%s","ms":%s' "$(curl_class "$rc" "$body")" "$(js "$body")" "$rc" "$step" "$ms"
		return
	fi
	printf '"status":%s,"ms":%s' "${code:-0}" "$ms"
	case $body in *'"kind":"Status"'* | *'"kind": "Status"'*)
		case $body in *'"message"'*) printf ',"message":%s' "$(js "$(json_field "$body" message)")" ;; esac
		case $body in *'"reason"'*) printf ',"reason":%s' "$(js "$(json_field "$body" reason)")" ;; esac
		;;
	*'"gitVersion"'*)
		g=${body#*\"gitVersion\":}
		g=${g# }
		g=${g#\"}
		printf ',"gitVersion":%s' "$(js "${g%%\"*}")"
		;;
	esac
	case $body in *'"allowed":true'* | *'"allowed": true'*) printf ',"allowed":true' ;; *'"allowed"'*) printf ',"allowed":false' ;; esac
	case $body in *'"denied":true'* | *'"denied": true'*) printf ',"denied":true' ;; esac
	case $body in *'"reason":"RBAC'* | *'"reason": "RBAC'*)
		r=${body#*\"reason\":}
		r=${r# }
		r=${r#\"}
		r=${r%%\"*}
		printf ',"reason":%s' "$(js "$r")"
		;;
	esac
}

proxy_check() { # what a client honouring HTTPS_PROXY sees (curl reads the same variables)
	hp=${HTTPS_PROXY:-${https_proxy:-${ALL_PROXY:-${all_proxy:-}}}}
	[ -n "$hp" ] || return
	have curl || return
	t0=$(now_ms)
	out=$(curl -sS -o /dev/null --cacert "$SA/ca.crt" --capath "$SA" --connect-timeout "$T" --max-time "$T" -w '\nkaf-proxy %{http_code} %{http_connect}' "https://$1:$2/version" 2>&1)
	rc=$?
	ms=$(($(now_ms) - t0))
	c=${out##*kaf-proxy }
	out=${out%"$NL"kaf-proxy*}
	out=${out%"$NL"}
	case $c in [0-9][0-9][0-9]\ [0-9][0-9][0-9]) c=${c##* } ;; *) c=000 ;; esac
	[ "$c" = 000 ] && [ $rc -eq 0 ] && return # NO_PROXY matched: direct
	printf ',"proxy":{"proxy":%s,"target":%s,"ms":%s' "$(js "$(redact "$hp")")" "$(js "$1:$2")" "$ms"
	if [ "$c" != 000 ]; then
		printf ',"status":%s}' "$c"
	else
		# curl exits 7 when it could not connect to the proxy at all
		printf ',"error":"%s","detail":%s,"curlExit":%s}' "$(curl_class "$rc" "$out")" "$(js "$out")" "$rc"
	fi
}

access_reviews() { # args: verb group resource subresource namespace ... ; sequentialised by curl per item, run concurrently
	r=$(
		i=0
		while [ $# -ge 5 ]; do
			g=$2
			[ "$g" = _core_ ] && g=
			sr=$4
			[ "$sr" = _none_ ] && sr=
			sub=
			[ -n "$sr" ] && sub=",\"subresource\":$(js "$sr")"
			ns=$5
			[ "$ns" = _all_ ] && ns=
			body="{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectAccessReview\",\"spec\":{\"resourceAttributes\":{\"namespace\":$(js "$ns"),\"verb\":$(js "$1"),\"group\":$(js "$g"),\"resource\":$(js "$3")$sub}}}"
			(
				m=$(https_req POST "$URL/apis/authorization.k8s.io/v1/selfsubjectaccessreviews" "$body")
				printf '%s {"verb":%s,"group":%s,"resource":%s,"subresource":%s,"namespace":%s,%s}\n' "$i" "$(js "$1")" "$(js "$g")" "$(js "$3")" "$(js "$sr")" "$(js "$ns")" "$(printf '%s' "$m" | sed_status)"
			) &
			i=$((i + 1))
			shift 5
		done
		wait
	)
	printf '[%s]' "$(join_in_order "$r")"
}

# Lines "N json" written by parallel jobs, in N order, joined by commas: each job's index is its place.
join_in_order() {
	o=
	i=0
	while :; do
		found=
		while IFS= read -r line; do
			case $line in "$i "*)
				o="$o,${line#* }"
				found=1
				;;
			esac
		done <<EOF
$1
EOF
		[ -n "$found" ] || break
		i=$((i + 1))
	done
	printf '%s' "${o#,}"
}

# "status":N -> "httpStatus":N (the access item's own name for it)
sed_status() {
	read -r x
	case $x in '"status":'*) x="\"httpStatus\":${x#\"status\":}" ;; esac
	printf '%s' "$x"
}

# path_one TARGET HOST PORT -> one JSON object: TCP and TLS to HOST:PORT verified as the service IP
# $H, then the GETs and the reviews sent there (through the service: each request a new connection,
# wherever kube-proxy sends it; an endpoint: every request to it). Each failure says its step.
path_one() {
	CT=
	[ "$1" = endpoint ] && CT="$(bracket "$2"):$3"
	printf '{"target":"%s","host":%s,"port":%s,"serverName":%s' "$1" "$(js "$2")" "$3" "$(js "$H")"
	pre=
	if [ "$1" = endpoint ] && [ -n "$TCPTOOL" ]; then
		# one endpoint: connect first, so that a failure is known to be TCP's or TLS's
		c=$(connect "$2" "$3")
		case $c in '{"ok":true'*) pre=connected ;; *)
			printf ',"connect":%s}' "$c"
			return
			;;
		esac
	fi
	t=$(tls_handshake "$2" "$3" "$H" "$pre")
	case $t in
	'"skipped"'*)
		printf ',%s}' "$t"
		return
		;;
	*'"step":"tcp"'*)
		printf ',"connect":{%s}}' "$t"
		return
		;;
	esac
	printf ',"connect":{"ok":true},"tls":{%s}' "$t"
	case $t in '"ok":true'*) ;; *)
		printf '}'
		return
		;;
	esac
	if ! have curl || [ -z "$TOKEN" ]; then
		printf '}'
		return
	fi
	v=$(https_req GET "$URL/version" | { read -r x; printf '1 {"path":"/version",%s}\n' "$x"; } &
		https_req GET "$URL/readyz" | { read -r x; printf '2 {"path":"/readyz",%s}\n' "$x"; } &
		# a read with the pod's own token: a 403 here is what the pod's client gets
		case $NS in *[!a-z0-9-]* | '') ;; *)
			https_req GET "$URL/api/v1/namespaces/$NS/pods?limit=1" | { read -r x; printf '3 {"path":"/api/v1/namespaces/%s/pods?limit=1",%s}\n' "$NS" "$x"; } &
			;;
		esac
		wait)
	a=
	b=
	c=
	while IFS= read -r line; do
		case $line in "1 "*) a=${line#* } ;; "2 "*) b=${line#* } ;; "3 "*) c=,${line#* } ;; esac
	done <<EOF
$v
EOF
	printf ',"http":[%s,%s%s]' "${a:-null}" "${b:-null}" "$c"
	if [ -n "$ACCESS_ARGS" ]; then
		set -f
		# shellcheck disable=SC2086 # validated names, globbing off
		set -- $ACCESS_ARGS
		set +f
		printf ',"access":%s' "$(access_reviews "$@")"
	fi
	printf '}'
}

EPS=
mode_net() {
	START=$(now_ms)
	printf '{"probe":"sh","schema":2,"mode":"net","timeout":%s,"tools":[%s],"missing":[%s],"now":%s' "$T" "$TOOLS" "$MISSING" "$(date +%s 2>/dev/null || echo null)"
	printf ',"env":%s' "$(layer_env)"
	# package metadata needs a Python to find its site-packages: the versions stay unknown here
	printf ',"clients":{"skipped":"no python3: the Kubernetes client versions are unknown"}'
	printf ',"files":%s' "$(layer_files)"
	printf ',"resolv":%s' "$(layer_resolv)"
	printf ',"dns":%s' "$(layer_dns)"
	H=${KUBERNETES_SERVICE_HOST:-}
	P=${KUBERNETES_SERVICE_PORT:-}
	NS=default
	[ -r "$SA/namespace" ] && read -r NS <"$SA/namespace"
	eps=
	while [ $# -gt 0 ]; do
		case $1 in
		ep)
			valid_ep "$2" "$3" && eps="$eps endpoint $2 $3 $((ATTEMPTS / 2 > 2 ? ATTEMPTS / 2 : 2))" && EPS="$EPS endpoint $2 $3"
			shift 3
			;;
		access)
			[ $# -ge 6 ] || break
			shift 6
			;;
		*) shift ;;
		esac
	done
	if [ -z "$TCPTOOL" ]; then
		printf ',"tcp":{"skipped":%s}' "$(js "$NOTCP")"
	else
		svc=
		[ -n "$H" ] && [ -n "$P" ] && svc="service $H $P $ATTEMPTS"
		# shellcheck disable=SC2086 # word splitting of validated addresses is intended
		tcp=$(layer_tcp $svc $eps)
		printf ',"tcp":%s' "$tcp"
	fi
	TOKEN=
	[ -r "$SA/token" ] && read -r TOKEN <"$SA/token"
	u=$(bracket "$H")
	URL="https://$u:$P"
	if [ -z "$H" ] || [ -z "$P" ]; then
		printf ',"paths":{"skipped":"service env missing"}'
	elif [ ! -r "$SA/ca.crt" ]; then
		printf ',"paths":{"skipped":"ca.crt missing"}'
	elif ! have openssl && ! have curl; then
		printf ',"paths":{"skipped":"openssl and curl not found"}'
	else
		if ! have curl; then
			printf ',"http":{"skipped":"curl not found"}'
		elif [ -z "$TOKEN" ]; then
			printf ',"http":{"skipped":"no token"}'
		fi
		# every layer through the ClusterIP and against each endpoint directly, concurrently
		# shellcheck disable=SC2086 # word splitting of validated addresses is intended
		r=$(
			i=0
			set -- service "$H" "$P" $EPS
			while [ $# -ge 3 ]; do
				path_one "$1" "$2" "$3" | { read -r x; printf '%s %s\n' "$i" "$x"; } &
				i=$((i + 1))
				shift 3
			done
			wait
		)
		printf ',"paths":[%s]' "$(join_in_order "$r")"
	fi
	[ -n "$H" ] && [ -n "$P" ] && proxy_check "$u" "$P"
	printf ',"elapsedMs":%s}\n' "$(($(now_ms) - START))"
}

readyz_one() {
	tcp=$(connect "$1" "$2")
	printf '{"ip":%s,"port":%s,"tcp":%s' "$(js "$1")" "$2" "$tcp"
	case $tcp in '{"ok":true'*) ;; *)
		printf '}'
		return
		;;
	esac
	if ! have curl; then
		printf ',"tls":{"skipped":"curl not found"}}'
		return
	fi
	u=$1
	case $u in *:*) u="[$u]" ;; esac
	m=$(https_req GET "https://$u:$2/readyz?verbose")
	case $m in *'"error":"name-mismatch"'*)
		# endpoint IPs are often not in the serving certificate: verify the chain under the service name
		m=$(printf 'header = "Authorization: Bearer %s"\n' "$TOKEN" | kcurl -K - -o /dev/null -w '%{http_code}' --connect-to "kubernetes.default.svc:443:$1:$2" "https://kubernetes.default.svc:443/readyz?verbose" 2>&1)
		rc=$?
		case $m in [0-9][0-9][0-9]) m="\"status\":$m" ;; *) m="\"error\":\"$(curl_class "$rc" "$m")\",\"detail\":$(js "$m")" ;; esac
		printf ',"tls":{"ok":true,"nameMismatch":true},"readyz":{%s}}' "$m"
		return
		;;
	esac
	case $m in '"error"'*) printf ',"tls":{"ok":false,%s}}' "${m#*,}" ;; *) printf ',"tls":{"ok":true},"readyz":{%s}}' "$m" ;; esac
}

mode_readyz() {
	START=$(now_ms)
	TOKEN=
	[ -r "$SA/token" ] && read -r TOKEN <"$SA/token"
	printf '{"probe":"sh","schema":1,"mode":"readyz","tools":[%s],"missing":[%s]' "$TOOLS" "$MISSING"
	if [ -z "$TCPTOOL" ]; then
		printf ',"endpoints":{"skipped":%s},"elapsedMs":%s}\n' "$(js "$NOTCP")" "$(($(now_ms) - START))"
		return
	fi
	r=$(
		i=0
		while [ $# -ge 3 ]; do
			[ "$1" = ep ] && valid_ep "$2" "$3" && readyz_one "$2" "$3" | { read -r x; printf '%s %s\n' "$i" "$x"; } &
			i=$((i + 1))
			shift 3
		done
		wait
	)
	o=
	i=0
	n=$(($# / 3))
	while [ $i -lt $n ]; do
		while IFS= read -r line; do
			case $line in "$i "*) o="$o,${line#* }" ;; esac
		done <<EOF
$r
EOF
		i=$((i + 1))
	done
	printf ',"endpoints":[%s],"elapsedMs":%s}\n' "${o#,}" "$(($(now_ms) - START))"
}

# access items, kept apart for mode_net (set -- resets the positional parameters)
ACCESS_ARGS=
collect_access() {
	while [ $# -gt 0 ]; do
		case $1 in
		ep) shift 3 ;;
		access)
			[ $# -ge 6 ] || break
			valid_word "$2" && valid_word "$3" && valid_word "$4" && valid_word "$5" && valid_word "$6" && [ -n "$2" ] && [ -n "$4" ] &&
				ACCESS_ARGS="$ACCESS_ARGS $2 ${3:-_core_} $4 ${5:-_none_} ${6:-_all_}"
			shift 6
			;;
		*) shift ;;
		esac
	done
}

# secs MS: "S.CC" (the timeline's seconds since the watch opened).
secs() { printf '%d.%02d' $(($1 / 1000)) $(($1 % 1000 / 10)); }

# watch SECONDS NAMESPACE SILENCE: a watch on pods with the pod's token, as probe.py's watch mode
# reports it. curl -N prints each event as it comes; each line is timed when read.
mode_watch() {
	D=$1 NS=$2 SIL=${3:-3}
	case $D in '' | *[!0-9]*) D=10 ;; esac
	case $SIL in '' | *[!0-9]*) SIL=3 ;; esac
	{ [ -n "$NS" ] && valid_word "$NS"; } || NS=default
	printf '{"probe":"sh","schema":1,"mode":"watch","started":%s,"seconds":%s,"silence":%s,"namespace":%s' "$(date +%s)" "$D" "$SIL" "$(js "$NS")"
	H=${KUBERNETES_SERVICE_HOST:-} P=${KUBERNETES_SERVICE_PORT:-}
	if ! have curl; then
		printf ',"skipped":"curl not found (the watch needs curl or python3)"}\n'
		return
	fi
	if [ -z "$H" ] || [ -z "$P" ]; then
		printf ',"error":"no KUBERNETES_SERVICE_HOST/PORT"}\n'
		return
	fi
	TOKEN=
	[ -r "$SA/token" ] && read -r TOKEN <"$SA/token"
	START=$(now_ms)
	printf ',"timeline":['
	{
		printf 'header = "Authorization: Bearer %s"\n' "$TOKEN" |
			curl -sS -N --noproxy '*' --cacert "$SA/ca.crt" --capath "$SA" --connect-timeout "$T" --max-time "$D" \
				-w '\n%{http_code}\n' -K - \
				"https://$(bracket "$H"):$P/api/v1/namespaces/$NS/pods?watch=1&allowWatchBookmarks=true&timeoutSeconds=$((D + 30))" 2>/dev/null
		echo "rc $?"
	} | {
		sep= last=0 code=0 msg=
		while IFS= read -r line; do
			t=$(($(now_ms) - START))
			case $line in
			'rc '*) rc=${line#rc } ;;
			[0-9][0-9][0-9]) code=$line ;;
			'{"kind":"Status"'*) msg=$(json_field "$line" message) ;;
			'{'*)
				if [ $((t - last)) -gt $((SIL * 1000)) ]; then
					printf '%s{"t":%s,"kind":"silence","until":%s}' "$sep" "$(secs "$last")" "$(secs "$t")"
					sep=,
				fi
				last=$t
				typ=$(json_field "$line" type)
				case $typ in
				BOOKMARK) printf '%s{"t":%s,"kind":"bookmark"}' "$sep" "$(secs "$t")" ;;
				ERROR)
					c=${line##*\"code\":}
					c=${c%%[!0-9]*}
					printf '%s{"t":%s,"kind":"error","code":%s,"message":%s}' "$sep" "$(secs "$t")" "${c:-0}" "$(js "$(json_field "$line" message)")"
					;;
				*) printf '%s{"t":%s,"kind":"event","type":%s}' "$sep" "$(secs "$t")" "$(js "$typ")" ;;
				esac
				sep=,
				;;
			esac
		done
		t=$(($(now_ms) - START))
		if [ "$code" = 200 ]; then
			# 28: --max-time, the duration held; 0: the stream ended; anything else broke it
			case ${rc:-1} in
			28)
				[ $((t - last)) -gt $((SIL * 1000)) ] && printf '%s{"t":%s,"kind":"silence","until":%s,"open":true}' "$sep" "$(secs "$last")" "$(secs "$t")" && sep=,
				printf '%s{"t":%s,"kind":"held"}' "$sep" "$(secs "$t")"
				;;
			0) printf '%s{"t":%s,"kind":"end"}' "$sep" "$(secs "$t")" ;;
			*) printf '%s{"t":%s,"kind":"reset","error":%s}' "$sep" "$(secs "$t")" "$(js "curl exit ${rc:-?}")" ;;
			esac
			printf '],"status":200}\n'
		elif [ "$code" = 000 ]; then
			printf '],"error":%s}\n' "$(js "could not connect (curl exit ${rc:-?})")"
		else
			printf '],"status":%s,"message":%s}\n' "$code" "$(js "$msg")"
		fi
	}
}

case $MODE in
readyz) mode_readyz "$@" ;;
watch) mode_watch "$@" ;;
*)
	collect_access "$@"
	mode_net "$@"
	;;
esac
exit 0
