// The client table (src/net/clients.json) and the decisions taken from it (src/net/clients.ts, the
// env layer's proxy verdict): which installed version of the Kubernetes clients does what.
import assert from 'node:assert/strict';
import {
  answer,
  clientRows,
  compareVersions,
  executorAnswer,
  inRange,
  proxyClients,
  type Question,
} from '../../src/net/clients.ts';
import type { ProbeDoc } from '../../src/net/model.ts';
import { envLayer, filesLayer } from '../../src/net/verdict.ts';

const QUESTIONS: Question[] = ['proxy-env', 'no-proxy-env', 'token-reread', 'watch-410', 'tcp-keepalive'];

function doc(env: Record<string, string>, clients: ProbeDoc['clients']): ProbeDoc {
  return {
    probe: 'python3',
    schema: 2,
    mode: 'net',
    env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443', ...env },
    clients,
    files: {
      dir: '',
      dirPresent: true,
      token: { present: true },
      'ca.crt': { present: true },
      namespace: { present: true },
    },
    resolv: { nameservers: [], search: [], options: [] },
    dns: [],
    tcp: [],
  };
}
const PROXY = { HTTPS_PROXY: 'http://***@10.96.200.1:3128' };
const ALL_NO_PROXY = { ...PROXY, NO_PROXY: '10.96.0.1,.svc,.cluster.local' };
const installed = (kubernetes: string | null, asyncio: string | null = null) => ({
  kubernetes,
  kubernetes_asyncio: asyncio,
  urllib3: '1.26.12',
  'apache-airflow': null,
  'apache-airflow-providers-cncf-kubernetes': null,
});

describe('net: the Kubernetes clients in the pod', () => {
  it('every row answers a known question with a source, and no two rows of a question overlap for a package', () => {
    const rows = clientRows();
    assert.ok(rows.length >= 10);
    for (const r of rows) {
      assert.ok(QUESTIONS.includes(r.question), r.question);
      assert.match(
        r.source,
        /(kubernetes-client\/python|tomplus\/kubernetes_asyncio|apache\/airflow|urllib3\/urllib3)/,
        `${r.question} ${r.package}: a source`,
      );
      assert.ok(r.detail.length > 20);
    }
    // probe each release boundary the rows name, and one beyond: at most one row answers
    const bounds = [
      ...new Set(
        rows.flatMap((r) =>
          r.versions
            .split(' ')
            .map((b) => b.replace(/^[<>=]+/, ''))
            .filter((v) => v !== '*'),
        ),
      ),
    ];
    for (const q of QUESTIONS) {
      for (const pkg of new Set(rows.map((r) => r.package))) {
        for (const v of [...bounds, '0.1.0', '99.0.0']) {
          const n = rows.filter((r) => r.question === q && r.package === pkg && inRange(v, r.versions)).length;
          assert.ok(n <= 1, `${q} ${pkg} ${v}: ${n} rows`);
        }
      }
    }
  });

  it('versions compare by release numbers; ranges are bounds', () => {
    assert.ok(compareVersions('34.1.0', '33.1.0') > 0);
    assert.ok(compareVersions('36.0.0b1', '36.0.0') === 0);
    assert.ok(compareVersions('9.0.0', '10.0.0') < 0);
    assert.equal(inRange('35.0.0', '>=34.1.0 <36.0.0'), true);
    assert.equal(inRange('36.0.0', '>=34.1.0 <36.0.0'), false);
    assert.equal(inRange('not-a-version', '*'), false);
  });

  it('the table: kubernetes 22.6 ignores the proxy variables, 34.1-35.x honour HTTPS_PROXY and drop NO_PROXY, 36 honours both; token re-read from 12.0', () => {
    assert.equal(answer('proxy-env', 'kubernetes', '22.6.0')?.answer, false);
    assert.equal(answer('proxy-env', 'kubernetes', '35.0.0')?.answer, true);
    assert.equal(answer('no-proxy-env', 'kubernetes', '35.0.0')?.answer, false);
    assert.match(answer('no-proxy-env', 'kubernetes', '34.1.0')?.source ?? '', /#2460.*#2520/);
    assert.equal(answer('no-proxy-env', 'kubernetes', '36.0.1')?.answer, true);
    assert.equal(answer('token-reread', 'kubernetes', '11.0.0')?.answer, false);
    assert.equal(answer('token-reread', 'kubernetes', '22.6.0')?.answer, true);
    assert.equal(answer('proxy-env', 'kubernetes_asyncio', '21.7.1')?.answer, false);
    assert.equal(answer('proxy-env', 'kubernetes_asyncio', '24.2.0')?.answer, true);
    assert.equal(answer('token-reread', 'kubernetes_asyncio', '23.3.0')?.answer, false);
  });

  it('a client that ignores HTTPS_PROXY is not failed for the proxy, even without NO_PROXY', () => {
    const l = envLayer(doc({ ...PROXY, NO_PROXY: 'localhost' }, installed('22.6.0')));
    assert.equal(l.verdict, 'OK');
    assert.ok(
      l.evidence.some((e) => /^kubernetes 22\.6\.0 ignores the proxy variables: its API calls go direct/.test(e)),
      l.evidence.join('\n'),
    );
  });

  it('a client that honours HTTPS_PROXY and ignores NO_PROXY fails, naming the version, although NO_PROXY lists the service IP', () => {
    const l = envLayer(doc(ALL_NO_PROXY, installed('35.0.0')));
    assert.equal(l.verdict, 'FAIL');
    assert.equal(
      l.evidence[0],
      'kubernetes 35.0.0 honours HTTPS_PROXY/HTTP_PROXY and ignores NO_PROXY: every API call goes to the proxy',
    );
    assert.ok(l.evidence.some((e) => e.includes('#2460') && e.includes('#2520')));
    assert.match(l.remedy ?? '', /kubernetes >= 36\.0\.0/);
    // the triggers' kubernetes_asyncio is judged on its own: a clean 36 does not hide it
    const both = envLayer(doc(ALL_NO_PROXY, installed('36.0.0', '24.2.0')));
    assert.equal(both.verdict, 'OK');
  });

  it('a client that honours both: NO_PROXY must cover the service IP, and only by a CIDR the client reads', () => {
    assert.equal(envLayer(doc(ALL_NO_PROXY, installed('36.0.0'))).verdict, 'OK');
    assert.equal(envLayer(doc({ ...PROXY, NO_PROXY: '.svc' }, installed('36.0.0'))).verdict, 'FAIL');
    assert.equal(
      envLayer(doc({ ...PROXY, NO_PROXY: '10.96.0.0/12' }, installed('36.0.0'))).verdict,
      'OK',
      'requests reads IPv4 CIDRs',
    );
    const asyncio = envLayer(doc({ ...PROXY, NO_PROXY: '10.96.0.0/12' }, installed(null, '24.2.0')));
    assert.equal(asyncio.verdict, 'FAIL');
    assert.match(
      asyncio.evidence[0],
      /kubernetes_asyncio 24\.2\.0 does not read the CIDR in NO_PROXY that covers 10\.96\.0\.1 \(no CIDRs\)/,
    );
    const v6 = doc({ ...PROXY, NO_PROXY: 'fd00::/8' }, installed('36.0.0'));
    v6.env.KUBERNETES_SERVICE_HOST = 'fd00:10:96::1';
    assert.match(envLayer(v6).evidence[0], /IPv4 CIDRs only/);
  });

  it('a client that reads the token once fails with a short-lived bound token, not with a long one', () => {
    const now = 1_800_000_000;
    const withToken = (lifetime: number, clients: ProbeDoc['clients']) => {
      const d = doc({}, clients);
      d.files = {
        ...d.files,
        token: { present: true, readable: true, claims: { iat: now - 600, exp: now - 600 + lifetime } },
        'ca.crt': { present: true, readable: true, pem: true, certificates: 1 },
        namespace: { present: true, value: 'airflow' },
      };
      return filesLayer(d, { automount: { serviceAccountName: 'w' }, now });
    };
    const short = withToken(3607, installed('11.0.0'));
    assert.equal(short.verdict, 'FAIL');
    assert.match(
      short.evidence[0],
      /^kubernetes 11\.0\.0 reads the token once, and this token lives 60m: its calls get 401 Unauthorized once the kubelet has rotated it$/,
    );
    assert.match(short.remedy ?? '', /kubernetes that re-reads the token \(>= 12\.0\.0\)/);
    assert.equal(withToken(3607, installed('22.6.0')).verdict, 'OK');
    const long = withToken(365 * 86400, installed('11.0.0'));
    assert.equal(long.verdict, 'OK');
    assert.ok(
      long.evidence.some((e) =>
        e.startsWith(
          'kubernetes 11.0.0 reads the token once: it keeps working only while the first token stays valid (it lives 365d)',
        ),
      ),
    );
    assert.equal(
      withToken(3607, installed(null, '23.3.0')).verdict,
      'FAIL',
      "the triggers' kubernetes_asyncio before 23.6.0",
    );
    assert.equal(
      withToken(3607, { skipped: 'no python3' }).verdict,
      'OK',
      'unknown versions: nothing assumed against the pod',
    );
  });

  // The KubernetesExecutor lived in apache-airflow until 2.7.0 and in the provider from 7.4.0: the
  // Airflow version picks whose row answers. Each case: installed versions -> home, answer, and the
  // text the answer must carry (a source, or what was assumed).
  const airflowPod = (airflow: string | null, provider: string | null, urllib3?: string) => ({
    kubernetes: '29.0.0',
    kubernetes_asyncio: null,
    ...(urllib3 ? { urllib3 } : {}),
    'apache-airflow': airflow,
    'apache-airflow-providers-cncf-kubernetes': provider,
  });
  const executorCases: Array<{
    name: string;
    q: 'watch-410' | 'tcp-keepalive';
    installed: Parameters<typeof executorAnswer>[1];
    home?: string;
    answer?: boolean;
    because?: RegExp;
    assumed?: RegExp;
  }> = [
    {
      name: '1.10.12: the core watcher takes a 410 event but can loop on a 410 ApiException',
      q: 'watch-410',
      installed: airflowPod('1.10.12', null),
      home: 'apache-airflow',
      answer: false,
      because: /#21087.*airflow\/contrib\/executors\/kubernetes_executor\.py.*#23521/,
    },
    {
      name: '2.3.1: the core watcher restarts from 0',
      q: 'watch-410',
      installed: airflowPod('2.3.1', null),
      home: 'apache-airflow',
      answer: true,
      because: /_health_check_kube_watchers/,
    },
    {
      name: '2.6.3 with provider 7.4.0 installed: still the core executor',
      q: 'watch-410',
      installed: airflowPod('2.6.3', '7.4.0'),
      home: 'apache-airflow',
      answer: true,
    },
    {
      name: '2.7.0 with provider 7.4.0: the provider executor',
      q: 'watch-410',
      installed: airflowPod('2.7.0', '7.4.0'),
      home: 'apache-airflow-providers-cncf-kubernetes',
      answer: true,
      because: /kubernetes_executor_utils\.py/,
    },
    {
      name: '2.7.0 with a provider before 7.4.0: no executor row',
      q: 'watch-410',
      installed: airflowPod('2.7.0', '7.3.0'),
      home: 'apache-airflow-providers-cncf-kubernetes',
      answer: undefined,
      because: /not in that release/,
    },
    {
      name: '2.7.0 without the provider: no executor at all',
      q: 'watch-410',
      installed: airflowPod('2.7.0', null),
      answer: undefined,
      because: /no KubernetesExecutor of its own.*not installed/,
    },
    {
      name: '1.9.0: before the KubernetesExecutor',
      q: 'watch-410',
      installed: airflowPod('1.9.0', null),
      home: 'apache-airflow',
      answer: undefined,
    },
    {
      name: 'apache-airflow unknown, provider 8.0.0: the provider, said as assumed',
      q: 'watch-410',
      installed: airflowPod(null, '8.0.0'),
      home: 'apache-airflow-providers-cncf-kubernetes',
      answer: true,
      assumed: /^apache-airflow version unknown .*assumed Airflow >= 2\.7\.0/,
    },
    {
      name: 'the sh probe: the newest executor, said as assumed',
      q: 'watch-410',
      installed: { skipped: 'no python3' },
      home: 'apache-airflow-providers-cncf-kubernetes',
      answer: true,
      assumed: /^Airflow versions unknown \(no python3\): assumed the newest KubernetesExecutor/,
    },
    {
      name: '1.10.14 has no keepalive option',
      q: 'tcp-keepalive',
      installed: airflowPod('1.10.14', null, '1.25.11'),
      home: 'apache-airflow',
      answer: false,
      because: /1\.10\.13', '1\.10\.14' and '1\.10\.15'/,
    },
    {
      name: '2.0.2 with urllib3 1.26: keepalive reaches the connections',
      q: 'tcp-keepalive',
      installed: airflowPod('2.0.2', null, '1.26.12'),
      home: 'apache-airflow',
      answer: true,
      because: /#15338/,
    },
    {
      name: '2.6.3 with urllib3 2.0.4: the patch never reaches a connection',
      q: 'tcp-keepalive',
      installed: airflowPod('2.6.3', null, '2.0.4'),
      home: 'apache-airflow',
      answer: false,
      because: /^urllib3 2\.0\.4: .*#3789/,
    },
    {
      name: '2.7.0, provider 7.4.0, urllib3 unknown: assumed before 2.0.0',
      q: 'tcp-keepalive',
      installed: airflowPod('2.7.0', '7.4.0'),
      home: 'apache-airflow-providers-cncf-kubernetes',
      answer: true,
      assumed: /^urllib3 version unknown: assumed one before 2\.0\.0/,
    },
  ];
  for (const c of executorCases) {
    it(`the executor, ${c.q}: ${c.name}`, () => {
      const a = executorAnswer(c.q, c.installed);
      assert.equal(a.home, c.home);
      assert.equal(a.answer, c.answer);
      if (c.because)
        assert.ok(
          a.because.some((b) => c.because!.test(b)),
          a.because.join('\n'),
        );
      if (c.assumed) assert.match(a.assumed ?? '', c.assumed);
      else assert.equal(a.assumed, undefined);
    });
  }

  it('unknown versions (the sh probe): the verdict says what it assumed', () => {
    const l = envLayer(
      doc({ ...PROXY, NO_PROXY: 'localhost' }, { skipped: 'no python3: the Kubernetes client versions are unknown' }),
    );
    assert.equal(l.verdict, 'FAIL');
    assert.ok(
      l.evidence.includes(
        'client versions unknown (no python3: the Kubernetes client versions are unknown): assumed a client that honours HTTPS_PROXY and NO_PROXY, as kubernetes >= 36.0.0 does',
      ),
    );
    assert.deepEqual(
      proxyClients(installed(null)).assumed?.startsWith(
        'client versions unknown (no kubernetes or kubernetes_asyncio package',
      ),
      true,
    );
  });
});
