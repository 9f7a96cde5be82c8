// The one redaction every line the plugin prints goes through (main's stdout/stderr writers,
// error lines, the probe's proxy values on arrival). probe.sh's redact() and probe.py's
// redact_proxy() do the same to a single value inside the pod; test/unit/redact.test.ts runs all
// three over the same cases.
//
// Go's url.URL.Redacted (net/url/url.go) keeps the user and prints the password as "xxxxx", which
// is what kubectl shows for a kubeconfig server URL. Two widenings, because a proxy variable is not
// always a URL with a scheme: curl and Python's urllib take `user:PASSWORD@host:port` bare
// (curl's url.c guesses http://), and a userinfo without a colon may itself be a token
// (`TOKEN@proxy:3128`). A bare `alice@example.com` (no colon, no port) is a user name, not a secret.

const MASK = 'xxxxx';

/** A URL with a scheme: everything up to the last '@' of its authority is userinfo (net/url's parseAuthority). */
const WITH_SCHEME = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s"'<>/?#]*)@/gi;
/** No scheme: a userinfo that starts a word (after a space, quote, '=', bracket or separator). */
const BARE = /(^|[\s"'=([{,;])([^\s"'<>/?#:@]+)(:[^\s"'<>/?#]*)?@([^\s"'<>/?#@;,)}]*)/g;

function masked(info: string): string {
  const colon = info.indexOf(':');
  return colon >= 0 ? `${info.slice(0, colon)}:${MASK}` : MASK;
}

/** Text with every URL userinfo's password (or bare userinfo token) replaced by xxxxx. */
export function redact(text: string): string {
  return text
    .replace(WITH_SCHEME, (_m, scheme: string, info: string) => `${scheme}${masked(info)}@`)
    .replace(BARE, (m, lead: string, user: string, pass: string | undefined, host: string) => {
      if (pass !== undefined) return `${lead}${user}:${MASK}@${host}`;
      return /:\d+$/.test(host) ? `${lead}${MASK}@${host}` : m;
    });
}
