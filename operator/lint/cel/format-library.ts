// Kubernetes' CEL format library: `format.dns1123Label().validate(s)` and the other named
// formats, each returning none when valid or the list of what is wrong, in apimachinery's words.

import { type Environment, Optional } from '@marcbachmann/cel-js';
import {
  cIdentifier,
  dns1035Label,
  dns1123Label,
  dns1123Subdomain,
  labelValue,
  qualifiedName,
} from '../k8s-names.ts';
import { registerNamespace } from './library-support.ts';

type Check = (value: string) => string[];

/** A generateName-style prefix may end in '-': the check sees it as if a letter followed. */
const prefix =
  (check: Check): Check =>
  (value) =>
    check(value.endsWith('-') ? `${value.slice(0, -1)}a` : value);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

const FORMATS: Record<string, Check> = {
  dns1123Label,
  dns1123Subdomain,
  dns1035Label,
  qualifiedName,
  dns1123LabelPrefix: prefix(dns1123Label),
  dns1123SubdomainPrefix: prefix(dns1123Subdomain),
  dns1035LabelPrefix: prefix(dns1035Label),
  labelValue,
  cIdentifier,
  uri: (v) => (URL.canParse(v) || v.startsWith('/') ? [] : ['invalid URI']),
  uuid: (v) => (UUID.test(v) ? [] : ['does not match the UUID format']),
  byte: (v) => (/^[A-Za-z0-9+/]*={0,2}$/.test(v) && v.length % 4 === 0 ? [] : ['invalid base64']),
  date: (v) => (DATE.test(v) && !Number.isNaN(Date.parse(v)) ? [] : ['invalid date']),
  datetime: (v) => (DATE_TIME.test(v) && !Number.isNaN(Date.parse(v)) ? [] : ['invalid datetime']),
};

export class NamedFormat {
  readonly check: Check;

  constructor(check: Check) {
    this.check = check;
  }
}

export function registerFormatLibrary(env: Environment): void {
  const ns = registerNamespace(env, 'format');
  env.registerType('kubernetes.NamedFormat', NamedFormat);
  for (const [name, check] of Object.entries(FORMATS)) {
    env.registerFunction(`${ns}.${name}(): kubernetes.NamedFormat`, () => new NamedFormat(check));
  }
  env
    .registerFunction(`${ns}.named(string): optional<kubernetes.NamedFormat>`, (_: unknown, name: string) => {
      const check = Object.hasOwn(FORMATS, name) ? FORMATS[name] : undefined;
      return check ? Optional.of(new NamedFormat(check)) : Optional.none();
    })
    .registerFunction(
      'kubernetes.NamedFormat.validate(string): optional<list<string>>',
      (f: NamedFormat, s: string) => {
        const errors = f.check(s);
        return errors.length === 0 ? Optional.none() : Optional.of(errors);
      },
    );
}
