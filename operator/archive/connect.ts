import type { S3Client } from '@aws-sdk/client-s3';
import type { S3Bucket } from '../api/v1alpha1/index.ts';
import type { KubeClient } from '../runtime/kube/client.ts';
import type { AnyObject } from '../runtime/kube/object.ts';
import { Builtin } from '../runtime/kube/resource.ts';
import { checkEndpoint, type EndpointPolicy, guardedLookup } from './endpoint-policy.ts';
import { createS3Client, type S3Connection } from './s3.ts';

export type S3Factory = (conn: S3Connection) => S3Client;

/**
 * An S3 client for the customer's bucket, with the credentials from the Secret the add-on
 * names (keys `accessKeyId` and `secretAccessKey`, in the add-on's namespace). The caller
 * destroys the client. The credentials are never logged nor put in a message.
 */
export async function connectBucket(
  client: KubeClient,
  bucket: S3Bucket,
  namespace: string,
  factory: S3Factory = createS3Client,
  policy: EndpointPolicy = {},
): Promise<{ s3: S3Client } | { reason: 'CredentialsMissing' | 'EndpointNotAllowed'; message: string }> {
  // The endpoint is the tenant's to write: judge it before the operator calls it, and judge
  // every address it resolves to when the client connects.
  const refused = checkEndpoint(bucket.endpoint, policy);
  if (refused) return { reason: 'EndpointNotAllowed', message: refused };
  const secret = await client.find<AnyObject & { data?: Record<string, string> }>(
    Builtin.Secret,
    bucket.credentialsSecretRef.name,
    namespace,
  );
  const read = (k: string) =>
    secret?.data?.[k] ? Buffer.from(secret.data[k], 'base64').toString('utf8') : undefined;
  const accessKeyId = read('accessKeyId');
  const secretAccessKey = read('secretAccessKey');
  if (!accessKeyId || !secretAccessKey) {
    return {
      reason: 'CredentialsMissing',
      message: `Secret ${namespace}/${bucket.credentialsSecretRef.name} needs keys accessKeyId and secretAccessKey`,
    };
  }
  return {
    s3: factory({
      endpoint: bucket.endpoint,
      region: bucket.region,
      accessKeyId,
      secretAccessKey,
      lookup: guardedLookup(policy),
    }),
  };
}
