/**
 * The smallest value that validates against a JSON Schema (the subset structured outputs use):
 * objects with their required properties, enums' first value, empty arrays, false, 0.
 * `stringFor` lets the caller put meaningful text into string properties by name.
 */
type Schema = Record<string, unknown>;

export interface InstanceOptions {
  stringFor?: (propertyName: string | undefined) => string | undefined;
}

const MAX_DEPTH = 32;

export function minimalInstance(root: unknown, options: InstanceOptions = {}): unknown {
  const build = (schema: unknown, name: string | undefined, depth: number): unknown => {
    if (!isSchema(schema) || depth > MAX_DEPTH) return null;
    if (typeof schema.$ref === 'string') return build(resolveRef(root, schema.$ref), name, depth + 1);
    if ('const' in schema) return schema.const;
    if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
    for (const key of ['anyOf', 'oneOf'] as const) {
      const variants = schema[key];
      if (Array.isArray(variants) && variants.length > 0) {
        const preferred = variants.find((variant) => !(isSchema(variant) && variant.type === 'null')) ?? variants[0];
        return build(preferred, name, depth + 1);
      }
    }
    if (Array.isArray(schema.allOf)) {
      const parts = schema.allOf.map((part) => build(part, name, depth + 1));
      return parts.every(isPlainObject) ? Object.assign({}, ...parts) : parts[0];
    }
    switch (primaryType(schema)) {
      case 'object':
        return buildObject(schema, depth);
      case 'array': {
        const minItems = typeof schema.minItems === 'number' ? schema.minItems : 0;
        return Array.from({ length: minItems }, () => build(schema.items, name, depth + 1));
      }
      case 'string':
        return buildString(schema, name);
      case 'integer':
        return numberAtLeast(schema, true);
      case 'number':
        return numberAtLeast(schema, false);
      case 'boolean':
        return false;
      case 'null':
        return null;
      default:
        return schema.properties ? buildObject(schema, depth) : null;
    }
  };

  const buildObject = (schema: Schema, depth: number): Record<string, unknown> => {
    const properties = isSchema(schema.properties) ? schema.properties : {};
    const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
    return Object.fromEntries(required.map((key) => [key, build(properties[key] ?? {}, key, depth + 1)]));
  };

  const buildString = (schema: Schema, name: string | undefined): string => {
    const format = schema.format;
    if (format === 'date-time') return new Date(0).toISOString();
    if (format === 'date') return '1970-01-01';
    if (format === 'email') return 'callee@example.com';
    if (format === 'uri' || format === 'url') return 'https://example.com';
    if (format === 'uuid') return '00000000-0000-4000-8000-000000000000';
    const minLength = typeof schema.minLength === 'number' ? schema.minLength : 0;
    const maxLength = typeof schema.maxLength === 'number' ? schema.maxLength : Infinity;
    const text = options.stringFor?.(name) ?? '';
    return text.padEnd(minLength, 'x').slice(0, maxLength);
  };

  return build(root, undefined, 0);
}

function numberAtLeast(schema: Schema, integer: boolean): number {
  const min = typeof schema.minimum === 'number' ? schema.minimum : undefined;
  const exclusiveMin = typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum : undefined;
  let value = 0;
  if (min !== undefined) value = Math.max(value, min);
  if (exclusiveMin !== undefined && value <= exclusiveMin) value = exclusiveMin + (integer ? 1 : 0.5);
  if (typeof schema.maximum === 'number' && value > schema.maximum) value = schema.maximum;
  return integer ? Math.ceil(value) : value;
}

function primaryType(schema: Schema): string | undefined {
  if (typeof schema.type === 'string') return schema.type;
  if (Array.isArray(schema.type)) return schema.type.find((t) => t !== 'null') ?? schema.type[0];
  return undefined;
}

function resolveRef(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return {};
  return ref
    .slice(1)
    .split('/')
    .filter(Boolean)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, segment) => (isSchema(node) ? node[segment] : undefined), root);
}

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return isSchema(value);
}
