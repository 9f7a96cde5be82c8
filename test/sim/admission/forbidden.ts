// admission.NewForbidden (staging/src/k8s.io/apiserver/pkg/admission/errors.go) ->
// apierrors.NewForbidden: `pods "x" is forbidden: <why>`, reason Forbidden, code 403.
import type { Status } from '../types.ts';

export function forbiddenStatus(group: string, resource: string, name: string, why: string): Status {
  const qualified = group ? `${resource}.${group}` : resource;
  const details: NonNullable<Status['details']> = { name, kind: resource };
  if (group) details.group = group;
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `${qualified} "${name}" is forbidden: ${why}`,
    reason: 'Forbidden',
    details,
    code: 403,
  };
}
