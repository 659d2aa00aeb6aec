import type { AnyObject } from '../runtime/kube/object.ts';
import { DENY_AND_AUDIT } from './denials.ts';

/**
 * Native admission for DistributionBundles: the installed bundle is the parameter of two
 * policies on new Tenants, so its region defaults and policy presets hold whoever creates
 * the Tenant (kubectl, the CLI, the console) and whether the operator runs or not:
 * - a mutating policy gives a Tenant that names no region the bundle's region, and one that
 *   names no policy profile the bundle's default profile (raising spec.retentionDays to that
 *   profile's minimum, or the Tenant would be refused for a choice it did not make);
 * - a validating policy refuses a region outside the bundle's allowedRegions, naming them.
 * Both bind every bundle (a parameter selector); a bundle applies to the Tenants its
 * spec.tenantSelector matches (all when it has none), so shards can carry their own. Only
 * CREATE: the region is immutable, and a Tenant made before a region was withdrawn must stay
 * updatable (finalizers, status) until it is moved or deleted. With no bundle at all, both
 * allow: a Tenant must then name its region (the schema requires it).
 */

export const BUNDLE_DEFAULTS = 'tenantry.dev-bundle-defaults';
export const BUNDLE_REGIONS = 'tenantry.dev-bundle-regions';

const ADMISSION = 'admissionregistration.k8s.io/v1';
const labels = { 'app.kubernetes.io/name': 'tenantry' };
const bundleParam = { apiVersion: 'tenantry.dev/v1alpha1', kind: 'DistributionBundle' };
const tenantCreates = {
  resourceRules: [
    { apiGroups: ['tenantry.dev'], apiVersions: ['*'], operations: ['CREATE'], resources: ['tenants'] },
  ],
};
const everyBundle = { selector: {}, parameterNotFoundAction: 'Allow' };
/** Minimum retention of each policy profile, as the Tenant schema's rules require it. */
const MIN_RETENTION: Record<string, number> = { restricted: 90, regulated: 365 };

const variables = [
  {
    name: 'applies',
    expression:
      '!has(params.spec.tenantSelector) || !has(params.spec.tenantSelector.matchLabels) || params.spec.tenantSelector.matchLabels.all(k, has(object.metadata.labels) && k in object.metadata.labels && object.metadata.labels[k] == params.spec.tenantSelector.matchLabels[k])',
  },
  {
    name: 'allowed',
    expression:
      'has(params.spec.regionDefaults.allowedRegions) ? params.spec.regionDefaults.allowedRegions : []',
  },
  {
    name: 'defaultProfile',
    expression:
      "has(params.spec.policyPresets) && has(params.spec.policyPresets.defaultProfile) ? params.spec.policyPresets.defaultProfile : ''",
  },
];

/** CEL: the JSON patch that fills in what a new Tenant left out. */
function defaultsPatch(): string {
  const min = Object.entries(MIN_RETENTION)
    .map(([profile, days]) => `variables.defaultProfile == '${profile}' ? ${days} : `)
    .join('');
  const region =
    "has(object.spec.region) ? [] : [JSONPatch{op: 'add', path: '/spec/region', value: params.spec.regionDefaults.region}]";
  const retention = `(has(object.spec.retentionDays) && object.spec.retentionDays >= (${min}0)) ? [] : [JSONPatch{op: 'add', path: '/spec/retentionDays', value: ${min}30}]`;
  const profile = `has(object.spec.policyProfile) || variables.defaultProfile == '' ? [] : [JSONPatch{op: 'add', path: '/spec/policyProfile', value: variables.defaultProfile}] + (${retention})`;
  return `!variables.applies ? [] : (${region}) + (${profile})`;
}

export function staticBundleAdmission(): AnyObject[] {
  return [
    {
      apiVersion: ADMISSION,
      kind: 'MutatingAdmissionPolicy',
      metadata: { name: BUNDLE_DEFAULTS, labels },
      spec: {
        failurePolicy: 'Fail',
        reinvocationPolicy: 'Never',
        paramKind: bundleParam,
        matchConstraints: tenantCreates,
        variables,
        mutations: [{ patchType: 'JSONPatch', jsonPatch: { expression: defaultsPatch() } }],
      },
    },
    {
      apiVersion: ADMISSION,
      kind: 'MutatingAdmissionPolicyBinding',
      metadata: { name: BUNDLE_DEFAULTS, labels },
      spec: { policyName: BUNDLE_DEFAULTS, paramRef: everyBundle },
    },
    {
      apiVersion: ADMISSION,
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: BUNDLE_REGIONS, labels },
      spec: {
        failurePolicy: 'Fail',
        paramKind: bundleParam,
        matchConstraints: tenantCreates,
        variables,
        validations: [
          {
            expression:
              '!variables.applies || size(variables.allowed) == 0 || (has(object.spec.region) && object.spec.region in variables.allowed)',
            messageExpression:
              "'spec.region: \"' + (has(object.spec.region) ? object.spec.region : '') + '\" is not allowed by DistributionBundle ' + params.metadata.name + '; allowed regions: ' + variables.allowed.join(', ')",
            reason: 'Forbidden',
          },
        ],
      },
    },
    {
      apiVersion: ADMISSION,
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: BUNDLE_REGIONS, labels },
      spec: { policyName: BUNDLE_REGIONS, paramRef: everyBundle, validationActions: DENY_AND_AUDIT },
    },
  ];
}
