import { describe, expect, it } from 'vitest';
import { assessServiceProviderConfig, assessUsers, scimCapabilities } from './scim.ts';

const spc = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
  patch: { supported: true },
  bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
  filter: { supported: true, maxResults: 200 },
  changePassword: { supported: false },
  sort: { supported: false },
  etag: { supported: true },
  authenticationSchemes: [],
};
const res = (status: number, body: unknown) => ({ status, body: JSON.stringify(body) });

describe('ServiceProviderConfig', () => {
  it('reports capabilities', () => {
    expect(scimCapabilities(spc)).toEqual({
      patch: true,
      bulk: false,
      filter: true,
      etag: true,
      changePassword: false,
      sort: false,
      filterMaxResults: 200,
      bulkMaxOperations: 0,
    });
    expect(assessServiceProviderConfig(res(200, spc))).toEqual({
      status: 'pass',
      message:
        'SCIM 2.0 service: patch yes, bulk no, filter yes (max 200), etag yes, changePassword no, sort no',
    });
  });

  it('warns without filtering, fails on auth errors and non-SCIM answers', () => {
    expect(assessServiceProviderConfig(res(200, { ...spc, filter: { supported: false } })).status).toBe(
      'warn',
    );
    expect(assessServiceProviderConfig(res(401, {}))).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('token'),
    });
    expect(assessServiceProviderConfig(res(404, {}))).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('/scim/v2'),
    });
    expect(assessServiceProviderConfig({ status: 200, body: '<html>' }).status).toBe('fail');
  });
});

describe('Users', () => {
  const list = {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
    totalResults: 42,
    itemsPerPage: 1,
    startIndex: 1,
    Resources: [
      { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], id: '1', userName: 'ada@example.com' },
    ],
  };

  it('passes with a ListResponse of core users', () => {
    expect(assessUsers(res(200, list))).toEqual({
      status: 'pass',
      message: 'the token can read users: 42 in total, core User schema',
    });
    expect(assessUsers(res(200, { ...list, totalResults: 0, Resources: undefined })).status).toBe('pass');
  });

  it('fails on a refused token or a non-SCIM answer', () => {
    expect(assessUsers(res(401, { detail: 'unauthorized' }))).toMatchObject({
      status: 'fail',
      message: '/Users refused the token (HTTP 401)',
    });
    expect(assessUsers(res(403, {})).status).toBe('fail');
    expect(assessUsers(res(200, { users: [] })).status).toBe('fail');
    expect(assessUsers(res(200, { ...list, Resources: [{ id: '1' }] })).status).toBe('warn');
  });
});
