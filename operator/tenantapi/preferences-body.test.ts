import { describe, expect, it } from 'vitest';
import { parsePreferences } from './preferences-body.ts';
import { StatusError } from './status.ts';

const refusal = (text: string, tenant?: string): StatusError => {
  try {
    parsePreferences(text, tenant);
  } catch (e) {
    if (e instanceof StatusError) return e;
    throw e;
  }
  throw new Error(`${text} was accepted`);
};

describe('the body of a nudge preferences PUT', () => {
  it('takes optOutAll and optOut, and what a GET returned around them', () => {
    expect(parsePreferences('{"optOutAll": true, "optOut": ["setQuotas", "inviteAuditor"]}')).toEqual({
      optOutAll: true,
      optOut: ['setQuotas', 'inviteAuditor'],
    });
    const got = {
      apiVersion: 'api.tenantry.dev/v1alpha1',
      kind: 'NudgePreferences',
      metadata: {},
      optOut: [],
    };
    expect(parsePreferences(JSON.stringify(got))).toEqual({ optOutAll: false, optOut: [] });
    expect(parsePreferences(JSON.stringify({ ...got, metadata: { name: 'acme' } }), 'acme')).toEqual({
      optOutAll: false,
      optOut: [],
    });
  });

  it('refuses the envelope of another kind or another tenant', () => {
    expect(refusal('{"kind": "Evidence"}').message).toContain(
      'kind: must be NudgePreferences, got "Evidence"',
    );
    expect(refusal('{"apiVersion": "v1"}').message).toContain(
      'apiVersion: must be api.tenantry.dev/v1alpha1, got "v1"',
    );
    expect(refusal('{"metadata": {"name": "other"}}', 'acme').message).toContain(
      'metadata.name: must be the tenant\'s name, "acme", got "other"',
    );
  });

  it('is 422 naming the field and what it must be', () => {
    const e = refusal('{"optOut": ["setQuotas", "finish setup"]}');
    expect(e.code).toBe(422);
    expect(e.message).toBe(
      'NudgePreferences is invalid: optOut[1]: "finish setup" is not a nudge name (a lower-case letter, then letters and digits, at most 63, e.g. setQuotas)',
    );
    expect(e.details?.causes).toEqual([expect.objectContaining({ field: 'optOut[1]' })]);
    expect(refusal('{"optOutAll": "yes"}').message).toContain('optOutAll: must be true or false, got "yes"');
    expect(refusal('{"optOut": "setQuotas"}').message).toContain('optOut: must be a list of nudge names');
    expect(refusal('{"history": []}').message).toContain('history: unknown field');
    expect(
      refusal(JSON.stringify({ optOut: Array.from({ length: 33 }, (_, i) => `n${i}`) })).message,
    ).toContain('at most 32 names, got 33');
  });

  it('is 400 for what is no JSON object', () => {
    expect(refusal('{').code).toBe(400);
    expect(refusal('[]').message).toMatch(/must be a JSON object/);
  });
});
