// The CEL environment of CRD validation rules as the API server builds it: `self` (and
// `oldSelf`), optional types, cel.bind, and Kubernetes' libraries on top of CEL's standard
// functions.

import { Environment } from '@marcbachmann/cel-js';
import { registerCollectionsLibrary } from './collections-library.ts';
import { registerFormatLibrary } from './format-library.ts';
import { registerIPLibrary } from './ip-library.ts';
import { registerQuantityLibrary } from './quantity-library.ts';
import { registerSemverLibrary } from './semver-library.ts';
import { registerStringsLibrary } from './strings-library.ts';
import { registerURLLibrary } from './url-library.ts';

let shared: Environment | undefined;

/** One environment for every rule: building it is the expensive part. */
export function validationRuleEnvironment(): Environment {
  if (shared) return shared;
  // `self` is typed by the schema in the API server; values here carry the same types at
  // run time (ints as bigint), so dyn gives the same answers for rules that compile there.
  const env = new Environment({ enableOptionalTypes: true })
    .registerVariable('self', 'dyn')
    .registerVariable('oldSelf', 'dyn');
  for (const register of [
    registerCollectionsLibrary,
    registerFormatLibrary,
    registerIPLibrary,
    registerQuantityLibrary,
    registerSemverLibrary,
    registerStringsLibrary,
    registerURLLibrary,
  ]) {
    register(env);
  }
  shared = env;
  return env;
}
