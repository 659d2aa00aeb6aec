import {
  ANNOTATION_APPROVED_BY,
  ANNOTATION_APPROVED_GENERATION,
  ANNOTATION_REQUESTED_BY,
} from '../api/names.ts';

// Approvals bound to what they approve, as CEL for the add-on admission policies: who asks
// (requested-by) and who approves (approved-by, at which generation) are stamped from the
// authenticated request, and the settings cannot change without the approval changing in
// the same request.

/** A spec field, either compared whole (null) or by the fields under it. */
export type SettingsTree = { readonly [field: string]: SettingsTree | null };

/**
 * What an approval covers: everything in AddOn spec but the approval itself, down to the
 * fields a denial names. A unit test holds it to the CRD, so no spec field escapes it.
 */
export const APPROVED_SETTINGS: SettingsTree = {
  type: null,
  dedicatedCompute: { nodes: null, candidateSelector: null },
  auditArchive: {
    bucket: { endpoint: null, region: null, name: null, credentialsSecretRef: null },
    retentionDays: null,
  },
};

/** Paths of the fields a denial names, e.g. ['auditArchive', 'bucket', 'endpoint']. */
export function settingsLeaves(tree: SettingsTree = APPROVED_SETTINGS, prefix: string[] = []): string[][] {
  return Object.entries(tree).flatMap(([field, below]) =>
    below ? settingsLeaves(below, [...prefix, field]) : [[...prefix, field]],
  );
}

const present = (root: string, path: string[]) =>
  path.map((_, i) => `has(${root}.spec.${path.slice(0, i + 1).join('.')})`).join(' && ');

/** Whether the field at `path` differs between oldObject and object (an UPDATE only). */
function changed(path: string[]): string {
  const now = present('object', path);
  const before = present('oldObject', path);
  const field = path.join('.');
  return `((${now}) != (${before}) || ((${now}) && object.spec.${field} != oldObject.spec.${field}))`;
}

const annotation = (root: string, key: string) =>
  `(has(${root}.metadata.annotations) && '${key}' in ${root}.metadata.annotations ? ${root}.metadata.annotations['${key}'] : '')`;

/** The CEL variables every approval check uses; oldObject ones only mean something on UPDATE. */
export function approvalVariables(): Array<{ name: string; expression: string }> {
  const topLevel = Object.keys(APPROVED_SETTINGS).map((f) => changed([f]));
  const named = settingsLeaves().map((p) => `${changed(p)} ? 'spec.${p.join('.')}' : ''`);
  return [
    { name: 'user', expression: 'request.userInfo.username' },
    { name: 'settingsChanged', expression: `request.operation == 'UPDATE' && (${topLevel.join(' || ')})` },
    { name: 'changedSettings', expression: `[${named.join(', ')}].filter(f, f != '').join(', ')` },
    {
      name: 'approvalGiven',
      expression:
        "has(object.spec.approval) && (request.operation == 'CREATE' || !has(oldObject.spec.approval) || object.spec.approval != oldObject.spec.approval)",
    },
    {
      name: 'approvalRemoved',
      expression:
        "request.operation == 'UPDATE' && has(oldObject.spec.approval) && !has(object.spec.approval)",
    },
    { name: 'requestChanged', expression: "request.operation == 'CREATE' || variables.settingsChanged" },
    { name: 'requestedBy', expression: annotation('object', ANNOTATION_REQUESTED_BY) },
    { name: 'approvedBy', expression: annotation('object', ANNOTATION_APPROVED_BY) },
    { name: 'approvedGeneration', expression: annotation('object', ANNOTATION_APPROVED_GENERATION) },
    { name: 'oldRequestedBy', expression: annotation('oldObject', ANNOTATION_REQUESTED_BY) },
    { name: 'oldApprovedBy', expression: annotation('oldObject', ANNOTATION_APPROVED_BY) },
    { name: 'oldApprovedGeneration', expression: annotation('oldObject', ANNOTATION_APPROVED_GENERATION) },
  ];
}

const pointer = (key: string) => `/metadata/annotations/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
const add = (key: string, value: string) => `JSONPatch{op: 'add', path: '${pointer(key)}', value: ${value}}`;

/**
 * The stamps, as a JSON patch: the requester on a create or a change of the settings; the
 * approver and the generation it approves (the next one: the approval is in spec) when
 * spec.approval is given or changed; neither approval stamp while there is no approval, so
 * nothing a request wrote survives.
 */
export function stampsPatch(): string {
  const approvalKeys = `['${ANNOTATION_APPROVED_BY}', '${ANNOTATION_APPROVED_GENERATION}']`;
  const generation = "string(request.operation == 'CREATE' ? 1 : oldObject.metadata.generation + 1)";
  const stamps = [
    `(variables.requestChanged ? [${add(ANNOTATION_REQUESTED_BY, 'variables.user')}] : [])`,
    `(variables.approvalGiven ? [${add(ANNOTATION_APPROVED_BY, 'variables.user')}, ${add(ANNOTATION_APPROVED_GENERATION, generation)}]` +
      ` : has(object.spec.approval) || !has(object.metadata.annotations) ? []` +
      ` : ${approvalKeys}.filter(k, k in object.metadata.annotations).map(k, JSONPatch{op: 'remove', path: '/metadata/annotations/' + jsonpatch.escapeKey(k)}))`,
  ].join(' + ');
  // A JSON patch cannot add a key to annotations that do not exist yet.
  return `(has(object.metadata.annotations) || !variables.requestChanged && !variables.approvalGiven ? [] : [JSONPatch{op: 'add', path: '/metadata/annotations', value: {}}]) + ${stamps}`;
}

/**
 * What the static guard refuses, whatever the tenant's Entitlement says: stamps that are not
 * the request's user and generation, stamps changed without what they stand for, settings
 * changed without the approval, and an approval removed on its own.
 */
export function approvalGuardValidations(): Array<Record<string, string>> {
  const stamps = `${ANNOTATION_APPROVED_BY} and ${ANNOTATION_APPROVED_GENERATION}`;
  return [
    {
      expression: '!variables.approvalGiven || variables.approvedBy == variables.user',
      messageExpression:
        "'the approver of an add-on is the authenticated user who approves it (' + variables.user + '), not ' + variables.approvedBy",
      reason: 'Forbidden',
    },
    {
      expression:
        '!variables.approvalGiven || variables.approvedGeneration == string(object.metadata.generation)',
      messageExpression: `'${ANNOTATION_APPROVED_GENERATION} is stamped by admission: this approval is for generation ' + string(object.metadata.generation) + ', not ' + variables.approvedGeneration`,
      reason: 'Forbidden',
    },
    {
      expression:
        "variables.approvalGiven || (has(object.spec.approval) ? variables.approvedBy == variables.oldApprovedBy && variables.approvedGeneration == variables.oldApprovedGeneration : variables.approvedBy == '' && variables.approvedGeneration == '')",
      message: `${stamps} can only change together with spec.approval`,
      reason: 'Forbidden',
    },
    {
      expression: '!variables.requestChanged || variables.requestedBy == variables.user',
      messageExpression:
        "'the requester of an add-on is the authenticated user who creates it or changes its settings (' + variables.user + '), not ' + variables.requestedBy",
      reason: 'Forbidden',
    },
    {
      expression: 'variables.requestChanged || variables.requestedBy == variables.oldRequestedBy',
      message: `${ANNOTATION_REQUESTED_BY} can only change together with the add-on's settings (spec other than spec.approval)`,
      reason: 'Forbidden',
    },
    {
      expression: '!variables.settingsChanged || variables.approvalGiven || variables.approvalRemoved',
      messageExpression:
        "variables.changedSettings + (has(oldObject.spec.approval) ? ' changed without a new approval: give one in the same request (a new spec.approval.reason; ' + variables.user + ' is recorded as the approver), or, where the Entitlement asks for four eyes, set spec.approval to null so that another owner approves the change' : ' changed while the current settings wait for approval: another owner approves them first (sets spec.approval.reason); unless the Entitlement asks for four eyes, a change can also carry a new spec.approval.reason')",
      reason: 'Forbidden',
    },
    {
      expression: '!variables.approvalRemoved || variables.settingsChanged',
      message:
        "spec.approval can't be removed on its own: it is removed only with a change of the settings that waits for another owner's approval; to withdraw the add-on, delete it",
      reason: 'Forbidden',
    },
  ];
}

const fourEyes =
  "has(params.spec.obligations) && has(params.spec.obligations.addOnApproval) && params.spec.obligations.addOnApproval == 'FourEyes'";

/** The checks that depend on the tenant's Entitlement (the entitlement policy's parameter). */
export function entitlementApprovalValidations(): Array<Record<string, string>> {
  return [
    {
      expression: `(${fourEyes}) || has(object.spec.approval)`,
      messageExpression:
        "'spec.approval is missing: under Entitlement ' + params.metadata.name + ' the owner who creates an add-on or changes its settings approves it in the same request: set spec.approval.reason (' + variables.user + ' is then recorded as the approver)'",
      reason: 'Forbidden',
    },
    {
      expression: `!(${fourEyes}) || !variables.approvalGiven || variables.requestedBy != variables.user`,
      messageExpression:
        "'four eyes (Entitlement ' + params.metadata.name + ', spec.obligations.addOnApproval: FourEyes): ' + variables.user + ' asked for the current settings of this add-on, so another owner must approve them: ' + (variables.requestChanged ? 'send the add-on or the change without spec.approval (null), then ask another owner of the tenant to set spec.approval.reason' : 'ask another owner of the tenant to set spec.approval.reason')",
      reason: 'Forbidden',
    },
  ];
}
