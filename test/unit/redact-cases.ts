// One table for the three redactions (src/render/redact.ts, probe.sh's redact, probe.py's
// redact_proxy): a proxy variable's value in, what may be printed out.
export const PROXY_VALUE_CASES: Array<{ value: string; shown: string; secret?: string }> = [
  { value: 'http://user:secret@10.96.200.1:3128', shown: 'http://user:xxxxx@10.96.200.1:3128', secret: 'secret' },
  { value: 'user:PASSWORD@10.96.200.1:3128', shown: 'user:xxxxx@10.96.200.1:3128', secret: 'PASSWORD' },
  {
    value: 'https://proxy-user:p%40ss@proxy.corp.example:8443/',
    shown: 'https://proxy-user:xxxxx@proxy.corp.example:8443/',
    secret: 'p%40ss',
  },
  { value: 'http://user:p@ss@proxy:3128', shown: 'http://user:xxxxx@proxy:3128', secret: 'p@ss' },
  { value: 'socks5://u:s0cks-pw@10.0.0.9:1080', shown: 'socks5://u:xxxxx@10.0.0.9:1080', secret: 's0cks-pw' },
  { value: 'http://TOKEN123@proxy:3128', shown: 'http://xxxxx@proxy:3128', secret: 'TOKEN123' },
  { value: 'TOKEN456@10.0.0.1:3128', shown: 'xxxxx@10.0.0.1:3128', secret: 'TOKEN456' },
  { value: 'user:@10.0.0.1:3128', shown: 'user:xxxxx@10.0.0.1:3128' },
  { value: 'http://10.96.200.1:3128', shown: 'http://10.96.200.1:3128' },
  { value: '10.96.200.1:3128', shown: '10.96.200.1:3128' },
  { value: 'proxy.corp.example', shown: 'proxy.corp.example' },
  { value: '', shown: '' },
];
