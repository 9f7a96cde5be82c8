// Asking the API server what ServiceAccounts may do. The answers are the server's own (so webhook
// authorizers on EKS/GKE count); we never evaluate RBAC objects locally.
//
// Per account and namespace, one SelfSubjectRulesReview impersonating the account
// (Impersonate-User only, so the server adds the ServiceAccount groups) answers most cells; a
// SelfSubjectAccessReview confirms every required cell the rules do not allow, every cell when the rules
// review is incomplete, and required cells when the caller wants the granting binding (reason).
// A denial of a cell nobody requires, from a complete rules review, is taken as is.
// When the caller may not impersonate, SubjectAccessReview (user + the three ServiceAccount
// groups); when neither, one error naming both permissions.
import { apiNamespace, isClusterWide } from '../airflow/namespaces.ts';
import { ClusterError, fromStatus } from '../base/errors.ts';
import type { Connection, KubeResponse } from '../kube/connection.ts';
import {
  selfSubjectAccessReview,
  selfSubjectRulesReview,
  subjectAccessReview,
  type ResourceAttributes,
} from '../kube/reviews.ts';
import { needsAccessReview, rulesAllow, type ResourceRule } from './rules.ts';
import {
  byAccountAndNamespace,
  cellKey,
  serviceAccountGroups,
  username,
  type Account,
  type Answer,
  type Cell,
} from './types.ts';

export interface ReviewOptions {
  /** Required cells: a denial of one is always confirmed by an access review. */
  isRequired?: (c: Cell) => boolean;
  /** Cells whose reason we want even when the rules review allows them (-o wide/json). */
  wantReason?: (c: Cell) => boolean;
  debug?: (msg: string) => void;
  /**
   * A required cell its rules review does not allow, called before its confirmation is sent: it is
   * probably missing, so the caller may start reading what explains a denial beside the confirmations
   * instead of after them.
   */
  onRequiredDenial?: (c: Cell) => void;
}

export interface ReviewResult {
  answers: Map<string, Answer>;
  /** How the accounts were asked. */
  mode: 'impersonation' | 'subject-access-review';
  requests: { rulesReviews: number; accessReviews: number; subjectAccessReviews: number };
}

interface Status {
  message?: string;
  reason?: string;
}

function isImpersonationDenied(res: KubeResponse<unknown>): boolean {
  return res.status === 403 && /cannot impersonate/i.test(((res.body ?? {}) as Status).message ?? '');
}

function resourceAttributes(c: Cell): ResourceAttributes {
  return {
    namespace: apiNamespace(c.namespace),
    verb: c.verb,
    group: c.group,
    resource: c.resource,
    ...(c.subresource ? { subresource: c.subresource } : {}),
  };
}

function asAnswer(
  status: { allowed?: boolean; denied?: boolean; reason?: string; evaluationError?: string } | undefined,
  source: Answer['source'],
): Answer {
  return {
    allowed: status?.allowed === true,
    reason: status?.reason ?? '',
    ...(status?.denied ? { denied: true } : {}),
    ...(status?.evaluationError ? { evaluationError: status.evaluationError } : {}),
    source,
  };
}

class ImpersonationDenied extends Error {
  readonly account: Account;
  readonly serverMessage: string;
  constructor(account: Account, msg: string) {
    super(msg);
    this.account = account;
    this.serverMessage = msg;
  }
}

export async function reviewCells(conn: Connection, cells: Cell[], opts: ReviewOptions = {}): Promise<ReviewResult> {
  const answers = new Map<string, Answer>();
  const requests = { rulesReviews: 0, accessReviews: 0, subjectAccessReviews: 0 };
  const debug = opts.debug ?? (() => {});
  const wantReason = opts.wantReason ?? (() => false);
  const isRequired = opts.isRequired ?? (() => true);
  // after an impersonation refusal, requests still in flight must not add answers
  let aborted = false;

  const groups = byAccountAndNamespace(cells);

  const ssar = async (c: Cell): Promise<Answer> => {
    if (aborted) throw new Aborted();
    requests.accessReviews++;
    const res = await selfSubjectAccessReview(conn, resourceAttributes(c), { user: username(c.account) });
    if (isImpersonationDenied(res))
      throw new ImpersonationDenied(c.account, ((res.body ?? {}) as Status).message ?? '');
    if (res.status >= 300) throw fromStatus(res.status, res.body, 'POST selfsubjectaccessreviews');
    return asAnswer(res.body.status, 'SelfSubjectAccessReview');
  };

  const viaImpersonation = async (): Promise<void> => {
    await Promise.all(
      groups.map(async (g) => {
        let rules: ResourceRule[] | undefined;
        let incomplete = true;
        if (!isClusterWide(g.namespace)) {
          if (aborted) throw new Aborted();
          requests.rulesReviews++;
          const res = await selfSubjectRulesReview(conn, g.namespace, { user: username(g.account) });
          if (isImpersonationDenied(res))
            throw new ImpersonationDenied(g.account, ((res.body ?? {}) as Status).message ?? '');
          if (aborted) throw new Aborted();
          if (res.status < 300) {
            rules = res.body.status?.resourceRules ?? [];
            incomplete = res.body.status?.incomplete === true;
          } else {
            debug(
              `SelfSubjectRulesReview for ${username(g.account)} in ${g.namespace} answered ${res.status}: asking each cell`,
            );
          }
        }
        await Promise.all(
          g.cells.map(async (c) => {
            if (!needsAccessReview(rules, incomplete, c, isRequired(c), wantReason(c))) {
              answers.set(cellKey(c), {
                allowed: rules !== undefined && rulesAllow(rules, c),
                reason: '',
                source: 'SelfSubjectRulesReview',
              });
              return;
            }
            if (rules !== undefined && isRequired(c) && !rulesAllow(rules, c)) opts.onRequiredDenial?.(c);
            const a = await ssar(c);
            if (!aborted) answers.set(cellKey(c), a);
          }),
        );
      }),
    ).catch((e) => {
      aborted = true;
      throw e;
    });
  };

  const viaSubjectAccessReview = async (): Promise<void> => {
    await Promise.all(
      cells.map(async (c) => {
        requests.subjectAccessReviews++;
        const res = await subjectAccessReview(
          conn,
          { user: username(c.account), groups: serviceAccountGroups(c.account) },
          resourceAttributes(c),
        );
        if (res.status === 403) throw new SarDenied(((res.body ?? {}) as Status).message ?? '');
        if (res.status >= 300) throw fromStatus(res.status, res.body, 'POST subjectaccessreviews');
        answers.set(cellKey(c), asAnswer(res.body.status, 'SubjectAccessReview'));
      }),
    );
  };

  try {
    await viaImpersonation();
    return { answers, mode: 'impersonation', requests };
  } catch (e) {
    if (!(e instanceof ImpersonationDenied)) throw e;
    debug(`impersonation refused (${e.serverMessage}); falling back to SubjectAccessReview`);
    answers.clear();
    try {
      await viaSubjectAccessReview();
      return { answers, mode: 'subject-access-review', requests };
    } catch (e2) {
      if (!(e2 instanceof SarDenied)) throw e2;
      const a = e.account;
      throw new ClusterError(
        'forbidden',
        `cannot check ServiceAccount permissions: you may neither impersonate ServiceAccount ${a.namespace}/${a.name} ` +
          `(needs "impersonate" on serviceaccounts in namespace ${a.namespace}) nor create subjectaccessreviews.authorization.k8s.io (cluster-wide)`,
        {
          remedy: 'ask a cluster admin for either one; the edit and admin roles include impersonate serviceaccounts',
          status: 403,
        },
      );
    }
  }
}

class SarDenied extends Error {}
class Aborted extends Error {}
