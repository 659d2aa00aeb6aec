// What a CRD's openAPIV3Schema may hold, for the generator that writes crds/ and the linter
// that validates against them.

/** The subset of apiextensions.k8s.io/v1 JSONSchemaProps that Tenantry's CRDs use. */
export interface OpenApiSchema {
  description?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  default?: unknown;
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minProperties?: number;
  maxProperties?: number;
  multipleOf?: number;
  properties?: Record<string, OpenApiSchema>;
  required?: string[];
  items?: OpenApiSchema;
  additionalProperties?: OpenApiSchema | boolean;
  anyOf?: OpenApiSchema[];
  allOf?: OpenApiSchema[];
  oneOf?: OpenApiSchema[];
  not?: OpenApiSchema;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-validations'?: ValidationRule[];
}

/** One CEL rule of x-kubernetes-validations. */
export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

/**
 * What plain JSON Schema (ajv, offline) makes of a keyword: the same (`as-is`), something
 * toJsonSchema must spell differently (`translated`), or nothing it can check (`dropped`).
 */
export type JsonSchemaReading = 'as-is' | 'translated' | 'dropped';

/**
 * Every keyword of OpenApiSchema (the type checks none is missing), in the order generated
 * CRDs write them: crds/ must stay byte-for-byte stable, so reordering this changes them.
 */
export const SCHEMA_KEYWORDS = {
  description: 'dropped',
  type: 'as-is',
  format: 'as-is',
  enum: 'as-is',
  default: 'as-is',
  nullable: 'translated',
  minimum: 'as-is',
  exclusiveMinimum: 'translated',
  maximum: 'as-is',
  exclusiveMaximum: 'translated',
  multipleOf: 'as-is',
  minLength: 'as-is',
  maxLength: 'as-is',
  pattern: 'as-is',
  minItems: 'as-is',
  maxItems: 'as-is',
  uniqueItems: 'as-is',
  minProperties: 'as-is',
  maxProperties: 'as-is',
  anyOf: 'translated',
  allOf: 'translated',
  oneOf: 'translated',
  not: 'translated',
  items: 'translated',
  properties: 'translated',
  additionalProperties: 'translated',
  required: 'as-is',
  'x-kubernetes-embedded-resource': 'dropped',
  'x-kubernetes-int-or-string': 'dropped',
  'x-kubernetes-preserve-unknown-fields': 'translated',
  'x-kubernetes-list-type': 'translated',
  'x-kubernetes-list-map-keys': 'translated',
  'x-kubernetes-map-type': 'dropped',
  'x-kubernetes-validations': 'dropped',
} as const satisfies Record<keyof OpenApiSchema, JsonSchemaReading>;
