import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { KubeClient } from '../runtime/kube/client.ts';
import type { ConfigMap } from '../runtime/kube/core.ts';
import { Builtin } from '../runtime/kube/resource.ts';

/**
 * Whom the aggregation layer's identity headers are trusted from, as the API server publishes
 * it for every aggregated API server in kube-system/extension-apiserver-authentication: the
 * request-header client CA, the client certificate names it may present, and the header names.
 */
export interface FrontProxyConfig {
  /** PEM bundle of the request-header client CA; empty: no front proxy, headers never trusted. */
  caPem: string;
  /** sha256 fingerprints of those CA certificates. */
  caFingerprints: ReadonlySet<string>;
  /** Common names the proxy's certificate may have; empty means any the CA signed (as Kubernetes has it). */
  allowedNames: readonly string[];
  usernameHeaders: readonly string[];
  uidHeaders: readonly string[];
  groupHeaders: readonly string[];
  extraHeaderPrefixes: readonly string[];
}

export const AUTHENTICATION_CONFIGMAP = {
  namespace: 'kube-system',
  name: 'extension-apiserver-authentication',
};

export const NO_FRONT_PROXY: FrontProxyConfig = {
  caPem: '',
  caFingerprints: new Set(),
  allowedNames: [],
  usernameHeaders: [],
  uidHeaders: [],
  groupHeaders: [],
  extraHeaderPrefixes: [],
};

function stringList(data: Record<string, string>, key: string): string[] {
  const raw = data[key];
  if (raw === undefined || raw === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error(`${AUTHENTICATION_CONFIGMAP.name}: ${key} is not a JSON list of strings`);
  }
  if (!Array.isArray(parsed) || !parsed.every((v) => typeof v === 'string'))
    throw new Error(`${AUTHENTICATION_CONFIGMAP.name}: ${key} is not a JSON list of strings`);
  return parsed.filter((v) => v.trim() !== '');
}

/** The certificates of a PEM bundle. */
export function certificatesOf(pem: string): X509Certificate[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map(
    (c) => new X509Certificate(c),
  );
}

/** Parses the ConfigMap's data; throws naming the key that is malformed. */
export function frontProxyConfigOf(data: Record<string, string> | undefined): FrontProxyConfig {
  const d = data ?? {};
  const caPem = d['requestheader-client-ca-file'] ?? '';
  let cas: X509Certificate[];
  try {
    cas = certificatesOf(caPem);
  } catch (e) {
    throw new Error(
      `${AUTHENTICATION_CONFIGMAP.name}: requestheader-client-ca-file does not parse: ${(e as Error).message}`,
    );
  }
  if (!cas.length) return NO_FRONT_PROXY;
  return {
    caPem,
    caFingerprints: new Set(cas.map((c) => c.fingerprint256)),
    allowedNames: stringList(d, 'requestheader-allowed-names'),
    usernameHeaders: stringList(d, 'requestheader-username-headers'),
    uidHeaders: stringList(d, 'requestheader-uid-headers'),
    groupHeaders: stringList(d, 'requestheader-group-headers'),
    extraHeaderPrefixes: stringList(d, 'requestheader-extra-headers-prefix'),
  };
}

export async function readFrontProxyConfig(client: KubeClient): Promise<FrontProxyConfig> {
  const cm = await client.find<ConfigMap>(
    Builtin.ConfigMap,
    AUTHENTICATION_CONFIGMAP.name,
    AUTHENTICATION_CONFIGMAP.namespace,
  );
  return frontProxyConfigOf(cm?.data);
}

/** What the TLS handshake established about the client. */
export interface Peer {
  /** OpenSSL verified the client certificate's chain against the server's trusted CAs. */
  authorized: boolean;
  /** The client certificate's CN. */
  commonName?: string;
  /** sha256 fingerprint of the top of the verified chain (its trust anchor). */
  anchor?: string;
  /** The connection's remote address, for limiting callers no one has authenticated yet. */
  address?: string;
}

interface DetailedCert {
  subject?: { CN?: string | string[] };
  fingerprint256?: string;
  issuerCertificate?: DetailedCert;
}

/** The peer of a TLS connection: whether its certificate verified, its CN and the chain's anchor. */
export function peerOf(socket: TLSSocket): Peer {
  const leaf = socket.getPeerCertificate(true) as DetailedCert | null;
  const address = socket.remoteAddress ? { address: socket.remoteAddress } : {};
  if (!leaf?.fingerprint256) return { authorized: false, ...address };
  let top = leaf;
  // The chain ends with a self-signed certificate that is its own issuer.
  for (let i = 0; i < 10 && top.issuerCertificate && top.issuerCertificate !== top; i++) {
    if (top.issuerCertificate.fingerprint256 === top.fingerprint256) break;
    top = top.issuerCertificate;
  }
  const cn = leaf.subject?.CN;
  return {
    authorized: socket.authorized,
    ...(typeof cn === 'string' ? { commonName: cn } : {}),
    ...(top.fingerprint256 ? { anchor: top.fingerprint256 } : {}),
    ...address,
  };
}

/**
 * Whether the connection is the front proxy's: a client certificate that verified, anchored
 * in the request-header client CA (not any CA the TLS stack might trust) and, when the cluster
 * names them, with an allowed CN.
 */
export function isFrontProxy(peer: Peer, cfg: FrontProxyConfig): boolean {
  if (!peer.authorized || peer.anchor === undefined || !cfg.caFingerprints.has(peer.anchor)) return false;
  return cfg.allowedNames.length === 0 || cfg.allowedNames.includes(peer.commonName ?? '');
}
