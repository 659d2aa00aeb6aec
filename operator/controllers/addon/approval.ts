import { ANNOTATION_APPROVED_BY } from '../../api/names.ts';
import type { AddOn, AddOnApprovalStatus } from '../../api/v1alpha1/index.ts';
import { type Clock, isoTime } from '../../runtime/clock.ts';

/**
 * Who approved the add-on, as admission stamped it from the authenticated request (never
 * from a field a user fills in). The time is kept while the approver stays the same.
 */
export function approvalOf(addon: AddOn, clock: Clock): AddOnApprovalStatus | undefined {
  const by = addon.metadata.annotations?.[ANNOTATION_APPROVED_BY];
  if (!by) return undefined;
  const previous = addon.status?.approval;
  return {
    approvedBy: by,
    approvedAt: previous?.approvedBy === by && previous.approvedAt ? previous.approvedAt : isoTime(clock),
  };
}
