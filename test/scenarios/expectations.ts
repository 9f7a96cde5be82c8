// The shape of the hand-written expectations in expectations/, for every suite that reads them
// (conformance checks them against real kubectl, e2e against the plugin).

/** One `kubectl auth can-i` question of rbac-edge-cases.yaml's `canI` list and its hand-checked answer. */
export interface CanI {
  context: string;
  as?: string;
  asGroups?: string[];
  verb: string;
  resource: string;
  subresource?: string;
  name?: string;
  namespace?: string;
  allowed: boolean;
  reason?: string;
}
