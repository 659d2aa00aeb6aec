import { AddOnCondition, AddOnReason } from '../../api/conditions.ts';
import {
  ANNOTATION_APPROVED_BY,
  ANNOTATION_APPROVED_GENERATION,
  ANNOTATION_REQUESTED_BY,
} from '../../api/names.ts';
import type { AddOn, AddOnApprovalStatus, AddOnStatus, Entitlement } from '../../api/v1alpha1/index.ts';
import { canonicalJson, sha256Hex } from '../../evidence/statement.ts';
import { type Clock, isoTime } from '../../runtime/clock.ts';
import type { Outcome } from '../../runtime/reconcile/outcome.ts';

export interface ApprovalVerdict {
  /** Whether the current spec is approved, so its handler may act on it. */
  approved: boolean;
  /** The Approved condition and status.approval (removed when not approved). */
  outcome: Outcome<AddOnStatus>;
}

/** sha256 of the spec as canonical JSON: what an approval is recorded against. */
export function specDigest(addon: AddOn): string {
  return `sha256:${sha256Hex(canonicalJson(addon.spec))}`;
}

/**
 * Whether the add-on's current spec is approved, from what admission stamped from the
 * authenticated requests (never from a field a user fills in), checked again here: the
 * approval must be for the current generation (admission refuses a spec change without a
 * new approval; this catches one that got past it) and, under four eyes, by someone other
 * than the requester (the Entitlement may have changed since). The time is kept while the
 * approval stays the same.
 */
export function approvalOf(
  addon: AddOn,
  entitlement: Entitlement | undefined,
  clock: Clock,
): ApprovalVerdict {
  const annotations = addon.metadata.annotations ?? {};
  const by = annotations[ANNOTATION_APPROVED_BY];
  const at = annotations[ANNOTATION_APPROVED_GENERATION];
  const requester = annotations[ANNOTATION_REQUESTED_BY];
  const generation = addon.metadata.generation ?? 0;
  const fourEyes = entitlement?.spec.obligations?.addOnApproval === 'FourEyes';
  const refuse = (reason: string, message: string): ApprovalVerdict => ({
    approved: false,
    outcome: {
      conditions: [{ type: AddOnCondition.Approved, status: 'False', reason, message }],
      status: { approval: undefined },
    },
  });
  const asked = requester ? ` asked for by ${requester}` : '';
  if (!by) {
    return refuse(
      AddOnReason.NotApproved,
      fourEyes
        ? `the settings${asked} wait for another owner's approval: an owner other than the requester sets spec.approval.reason`
        : `the settings${asked} are not approved: set spec.approval.reason`,
    );
  }
  if (at !== String(generation)) {
    return refuse(
      AddOnReason.ApprovalOutdated,
      `${by}'s approval is for generation ${at ?? '(none recorded)'}, the spec is at generation ${generation}: approve the current spec by changing spec.approval`,
    );
  }
  if (fourEyes && by === requester) {
    return refuse(
      AddOnReason.SelfApproved,
      `four eyes: ${by} both asked for and approved these settings; another owner of the tenant must approve them (change spec.approval.reason)`,
    );
  }
  const previous = addon.status?.approval;
  const seen =
    previous?.approvedBy === by && previous.generation === generation ? previous.approvedAt : undefined;
  const approval: AddOnApprovalStatus = {
    approvedBy: by,
    ...(requester ? { requestedBy: requester } : {}),
    generation,
    digest: specDigest(addon),
    approvedAt: seen ?? isoTime(clock),
  };
  const who =
    requester && requester !== by ? `asked for by ${requester}, approved by ${by}` : `approved by ${by}`;
  return {
    approved: true,
    outcome: {
      conditions: [
        {
          type: AddOnCondition.Approved,
          status: 'True',
          reason: AddOnReason.Approved,
          message: `${who} at generation ${generation} (spec ${approval.digest})`,
        },
      ],
      status: { approval },
    },
  };
}
