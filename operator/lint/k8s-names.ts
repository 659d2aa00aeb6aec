// Kubernetes' rules for names, label keys and values, in apimachinery's words, so the linter
// and the CEL format library refuse what the API server refuses and say it the same way.
// Each check returns the list of what is wrong; empty means valid.

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN = `${DNS1123_LABEL}(\\.${DNS1123_LABEL})*`;
const QUALIFIED_NAME = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_VALUE = `(${QUALIFIED_NAME})?`;
const C_IDENTIFIER = '[A-Za-z_][A-Za-z0-9_]*';
const DNS1035_LABEL = '[a-z]([-a-z0-9]*[a-z0-9])?';

const whole = (pattern: string) => new RegExp(`^(?:${pattern})$`);
const DNS1123_LABEL_RE = whole(DNS1123_LABEL);
const DNS1123_SUBDOMAIN_RE = whole(DNS1123_SUBDOMAIN);
const QUALIFIED_NAME_RE = whole(QUALIFIED_NAME);
const LABEL_VALUE_RE = whole(LABEL_VALUE);
const C_IDENTIFIER_RE = whole(C_IDENTIFIER);
const DNS1035_LABEL_RE = whole(DNS1035_LABEL);

/** apimachinery's RegexError: what the value must look like, examples, and the regex. */
function regexError(message: string, pattern: string, ...examples: string[]): string {
  const shown = examples.map((e) => `'${e}', `).join(' or ');
  return examples.length === 0
    ? `${message} (regex used for validation is '${pattern}')`
    : `${message} (e.g. ${shown}regex used for validation is '${pattern}')`;
}

export function maxLengthError(length: number, unit: 'characters' | 'bytes' = 'characters'): string {
  return `must be no more than ${length} ${unit}`;
}

/** Length as Go counts it: bytes of UTF-8. */
function byteLength(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}

/** A length limit and a pattern, each with its own error, as apimachinery checks most names. */
function lengthAndPattern(
  value: string,
  max: number,
  pattern: RegExp,
  mismatch: () => string,
  unit: 'characters' | 'bytes' = 'characters',
): string[] {
  const errors: string[] = [];
  if (byteLength(value) > max) errors.push(maxLengthError(max, unit));
  if (!pattern.test(value)) errors.push(mismatch());
  return errors;
}

export function dns1123Label(value: string): string[] {
  return lengthAndPattern(value, 63, DNS1123_LABEL_RE, () =>
    // A valid subdomain that is no label: the length was fine, so it is the dots.
    DNS1123_SUBDOMAIN_RE.test(value)
      ? 'must not contain dots'
      : regexError(
          "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
          DNS1123_LABEL,
          'my-name',
          '123-abc',
        ),
  );
}

export function dns1123Subdomain(value: string): string[] {
  return lengthAndPattern(value, 253, DNS1123_SUBDOMAIN_RE, () =>
    regexError(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
      DNS1123_SUBDOMAIN,
      'example.com',
    ),
  );
}

export function dns1035Label(value: string): string[] {
  return lengthAndPattern(value, 63, DNS1035_LABEL_RE, () =>
    regexError(
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
      DNS1035_LABEL,
      'my-name',
      'abc-123',
    ),
  );
}

const QUALIFIED_NAME_MESSAGE =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/**
 * A label or annotation key: an optional DNS subdomain prefix and '/', then a name of 63 bytes
 * at most. `noun` is how a key with too many slashes is named.
 */
export function qualifiedName(value: string, noun = 'a qualified name'): string[] {
  const errors: string[] = [];
  const parts = value.split('/');
  if (parts.length > 2) {
    return [
      `${noun} ${regexError(QUALIFIED_NAME_MESSAGE, QUALIFIED_NAME, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  const name = parts.length === 2 ? (parts[1] ?? '') : value;
  if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    if (prefix === '') errors.push('prefix part must be non-empty');
    else errors.push(...dns1123Subdomain(prefix).map((e) => `prefix part ${e}`));
  }
  if (name === '') errors.push('name part must be non-empty');
  else if (byteLength(name) > 63) errors.push(`name part ${maxLengthError(63, 'bytes')}`);
  if (!QUALIFIED_NAME_RE.test(name)) {
    errors.push(
      `name part ${regexError(QUALIFIED_NAME_MESSAGE, QUALIFIED_NAME, 'MyName', 'my.name', '123-abc')}`,
    );
  }
  return errors;
}

export function labelValue(value: string): string[] {
  return lengthAndPattern(
    value,
    63,
    LABEL_VALUE_RE,
    () =>
      regexError(
        `a valid label must be an empty string or ${QUALIFIED_NAME_MESSAGE.replace(/^must /, '')}`,
        LABEL_VALUE,
        'MyValue',
        'my_value',
        '12345',
      ),
    'bytes',
  );
}

export function cIdentifier(value: string): string[] {
  if (C_IDENTIFIER_RE.test(value)) return [];
  return [
    regexError(
      "a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric characters or '_'",
      C_IDENTIFIER,
      'my_name',
      'MY_NAME',
      'MyName',
    ),
  ];
}

/**
 * The name rule of custom resources (DNS subdomain). A generateName prefix may end in '-',
 * which the random suffix will follow.
 */
export function customResourceName(value: string, prefix: boolean): string[] {
  return dns1123Subdomain(prefix && value.endsWith('-') ? `${value.slice(0, -1)}a` : value);
}
