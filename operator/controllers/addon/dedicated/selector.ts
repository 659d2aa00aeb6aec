import type { LabelSelector } from '../../../api/v1alpha1/common.ts';

/**
 * Whether labels match a metav1.LabelSelector: matchLabels and every matchExpressions
 * requirement, ANDed; an empty selector matches everything. An unknown operator matches
 * nothing, so a malformed selector never selects more than intended.
 */
export function matchesSelector(
  selector: LabelSelector | undefined,
  labels: Record<string, string> = {},
): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[k] !== v) return false;
  }
  for (const r of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, r.key);
    const values = r.values ?? [];
    switch (r.operator) {
      case 'In':
        if (!has || !values.includes(labels[r.key] ?? '')) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[r.key] ?? '')) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}
