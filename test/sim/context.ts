// SimContext: what handlers (reads, reviews, exec) get from the running simulator.
import type { Server } from 'node:https';
import type { Authenticator, IssueOptions } from './authn.ts';
import type { Faults } from './faults.ts';
import type { RequestLog } from './log.ts';
import type { Scenario, ControlPlaneSpec } from './scenario.ts';
import type { Store } from './store.ts';
import type { RbacObjects } from './rbac.ts';
import type { Decision, RequestAttributes, UserInfo } from './types.ts';

export interface ControlPlaneView {
  spec: ControlPlaneSpec;
  serviceIP: string;
  servicePort: number;
  /** The replicas as the scenario names them (address, port, alive, failure). */
  replicas: NonNullable<ControlPlaneSpec['replicas']>;
}

export interface SimContext {
  scenario: Scenario;
  store: Store;
  log: RequestLog;
  faults: Faults;
  authn: Authenticator;
  /** PEM of the CA that signed the server certificate (what pods mount as ca.crt). */
  caPem: string;
  /** The HTTPS server: exec feeds it sockets accepted on per-replica listeners (`server.emit('connection', s)`). */
  server: Server;
  /** https://127.0.0.1:<port> once listening. */
  url: string;
  port: number;
  controlPlane: ControlPlaneView;
  issueServiceAccountToken(namespace: string, serviceAccount: string, pod?: string, opts?: IssueOptions): string;
  rbac(): RbacObjects;
  authorize(attrs: RequestAttributes, user: UserInfo): Decision;
}
