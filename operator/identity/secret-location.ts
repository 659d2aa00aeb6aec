/** A key of a Secret in a namespace: where a tenant keeps a client secret or token. */
export interface SecretLocation {
  namespace: string;
  name: string;
  key: string;
}

export const secretName = ({ namespace, name, key }: SecretLocation): string =>
  `Secret ${namespace}/${name}, key ${key}`;

/**
 * The command that writes the key, from a file so the value stays off the command line and
 * out of the shell history; run again, it replaces the value.
 */
export const secretCommand = ({ namespace, name, key }: SecretLocation): string =>
  `kubectl -n ${namespace} create secret generic ${name} --from-file=${key}=FILE --dry-run=client -o yaml | kubectl apply -f -`;
