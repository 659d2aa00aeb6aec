// How values, types, formats and patterns are named to someone holding a YAML file.

/** What the API's well-known patterns mean, so users aren't handed a regular expression. */
export const PATTERN_MEANINGS: Record<string, string> = {
  '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$':
    "must be a DNS label: lower-case letters, digits and '-', starting and ending with a letter or digit",
  '^([a-z0-9]([-a-z0-9]*[a-z0-9])?\\.)+[a-z0-9]([-a-z0-9]*[a-z0-9])?$':
    'must be a lower-case DNS name with at least two labels, such as acme.example.com',
  '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$':
    'must be a quantity such as 500m, 2Gi or 10',
  '^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?(\\+[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?$':
    'must be a semantic version such as 1.4.0 (no leading v)',
  '^[A-Z]{3}$': 'must be an ISO 4217 currency code such as EUR',
};

export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return JSON.stringify(value);
}

export function withArticle(type: string): string {
  const names: Record<string, string> = {
    object: 'a mapping',
    array: 'a list',
    integer: 'an integer',
    number: 'a number',
    string: 'a string',
    boolean: 'a boolean (true or false)',
  };
  return names[type] ?? type.split(',').map(withArticle).join(' or ');
}

export function formatName(format: string): string {
  const names: Record<string, string> = {
    'date-time': 'RFC 3339 date-time (e.g. 2026-01-31T12:00:00Z)',
    uri: 'URI (e.g. https://s3.example.com)',
    int32: '32-bit integer',
    int64: '64-bit integer',
  };
  return names[format] ?? format;
}
