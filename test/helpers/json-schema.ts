// A small JSON Schema checker for the keywords our schemas use (type, properties, required,
// additionalProperties, items, minItems, maxItems, enum, const, pattern). Returns the problems found.
type Schema = Record<string, unknown>;

export function validate(schema: Schema, value: unknown, path = '$'): string[] {
  const errs: string[] = [];
  const t = schema.type as string | undefined;
  const kind = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  if (t && !(t === kind || (t === 'number' && kind === 'number') || (t === 'integer' && Number.isInteger(value)))) return [`${path}: expected ${t}, got ${kind}`];
  if ('const' in schema && schema.const !== value) errs.push(`${path}: expected ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) errs.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if (typeof schema.pattern === 'string' && typeof value === 'string' && !new RegExp(schema.pattern).test(value)) errs.push(`${path}: ${value} does not match ${schema.pattern}`);
  if (kind === 'object') {
    const o = value as Record<string, unknown>;
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const r of (schema.required ?? []) as string[]) if (!(r in o)) errs.push(`${path}: missing ${r}`);
    for (const [k, v] of Object.entries(o)) {
      if (props[k]) errs.push(...validate(props[k], v, `${path}.${k}`));
      else if (schema.additionalProperties === false) errs.push(`${path}: unexpected key ${k}`);
      else if (typeof schema.additionalProperties === 'object') errs.push(...validate(schema.additionalProperties as Schema, v, `${path}.${k}`));
    }
  }
  if (kind === 'array') {
    const a = value as unknown[];
    if (typeof schema.minItems === 'number' && a.length < schema.minItems) errs.push(`${path}: fewer than ${schema.minItems} items`);
    if (typeof schema.maxItems === 'number' && a.length > schema.maxItems) errs.push(`${path}: more than ${schema.maxItems} items`);
    if (schema.items) for (const [i, x] of a.entries()) errs.push(...validate(schema.items as Schema, x, `${path}[${i}]`));
  }
  return errs;
}
