import {
  normalizeObjectSchema,
  safeParse,
  getParseErrorMessage,
  getObjectShape,
  getSchemaDescription,
  isSchemaOptional,
  type AnySchema,
  type AnyObjectSchema,
} from '@modelcontextprotocol/sdk/server/zod-compat.js';
import { toJsonSchemaCompat } from '@modelcontextprotocol/sdk/server/zod-json-schema-compat.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { createRequire } from 'node:module';
import type { Ajv2020 as Ajv2020Type } from 'ajv/dist/2020.js';

export type Validation = { ok: true; value: Record<string, unknown> } | { ok: false; message: string };

/**
 * An `input`, `output` or `args` spec compiled once per loaded definition: the JSON Schema that
 * lists show, and the validator that calls run. Sessions share it, so nothing here is per call.
 */
export interface CompiledSchema {
  jsonSchema: { type: 'object'; [key: string]: unknown };
  validate(value: unknown): Validation;
  /** Top-level properties, for prompt arguments: name, description, required. */
  fields(): Array<{ name: string; description?: string; required: boolean }>;
}

const EMPTY_OBJECT = { type: 'object' as const, properties: {} };

// Ajv's 2020 build is required on first use: few tools need it, and it costs startup time.
const require = createRequire(import.meta.url);
const loadAjv2020 = (): typeof Ajv2020Type => (require('ajv/dist/2020.js') as { Ajv2020: typeof Ajv2020Type }).Ajv2020;

/**
 * An Ajv instance holds on to every schema it ever compiled (its shared code scope keeps each
 * one), so a single instance compiling fresh schemas on every reload would grow without end.
 * Each draft gets a new instance every so often; a validator keeps the instance it came from
 * alive only for as long as its definition is served.
 */
const COMPILES_PER_INSTANCE = 200;
const providers = {
  draft7: { make: () => new AjvJsonSchemaValidator(), current: undefined as AjvJsonSchemaValidator | undefined, compiles: 0 },
  draft2020: {
    make: () => new AjvJsonSchemaValidator(new (loadAjv2020())({ strict: false, allErrors: true }) as never),
    current: undefined as AjvJsonSchemaValidator | undefined,
    compiles: 0,
  },
};

function providerFor(draft: keyof typeof providers): AjvJsonSchemaValidator {
  const entry = providers[draft];
  if (!entry.current || entry.compiles >= COMPILES_PER_INSTANCE) {
    entry.current = entry.make();
    entry.compiles = 0;
  }
  entry.compiles++;
  return entry.current;
}

function isZodSchema(value: unknown): value is AnySchema {
  if (typeof value !== 'object' || value === null) return false;
  // zod 4 keeps its internals under `_zod`; zod 3 under `_def` with a `safeParse` method.
  return '_zod' in value || ('_def' in value && typeof (value as { safeParse?: unknown }).safeParse === 'function');
}

function isZodShape(value: object): boolean {
  const entries = Object.values(value);
  return entries.length > 0 && entries.every(isZodSchema);
}

/** True when `value` can be compiled: undefined, a zod shape or schema, or a JSON Schema object. */
export function isSchemaSpec(value: unknown): boolean {
  return value === undefined || (typeof value === 'object' && value !== null && !Array.isArray(value));
}

export function compileSchema(spec: unknown, io: 'input' | 'output' = 'input'): CompiledSchema {
  if (spec === undefined || (typeof spec === 'object' && spec !== null && Object.keys(spec).length === 0 && !isZodSchema(spec))) {
    return {
      jsonSchema: EMPTY_OBJECT,
      validate: (value) => ({ ok: true, value: (value ?? {}) as Record<string, unknown> }),
      fields: () => [],
    };
  }
  if (isZodSchema(spec) || isZodShape(spec as object)) return compileZod(spec as AnySchema, io);
  return compileJsonSchema(spec as Record<string, unknown>);
}

function compileZod(spec: AnySchema | Record<string, AnySchema>, io: 'input' | 'output'): CompiledSchema {
  const object = normalizeObjectSchema(spec as AnySchema) as AnyObjectSchema | undefined;
  if (!object || !getObjectShape(object)) {
    throw new Error('a zod schema here must be an object: use a raw shape ({ a: z.number() }) or z.object(...)');
  }
  const jsonSchema = toJsonSchemaCompat(object, { strictUnions: true, pipeStrategy: io }) as CompiledSchema['jsonSchema'];
  return {
    jsonSchema,
    validate(value) {
      const result = safeParse(object, value ?? {});
      if (result.success) return { ok: true, value: result.data as Record<string, unknown> };
      return { ok: false, message: getParseErrorMessage(result.error) };
    },
    fields() {
      const shape = getObjectShape(object) ?? {};
      return Object.entries(shape).map(([name, schema]) => ({
        name,
        description: getSchemaDescription(schema),
        required: !isSchemaOptional(schema),
      }));
    },
  };
}

function compileJsonSchema(spec: Record<string, unknown>): CompiledSchema {
  const jsonSchema = { type: 'object', ...spec } as CompiledSchema['jsonSchema'];
  if (jsonSchema.type !== 'object') throw new Error(`a JSON Schema here must have type "object", not ${JSON.stringify(jsonSchema.type)}`);
  const is2020 = typeof spec.$schema === 'string' && spec.$schema.includes('2020-12');
  // Ajv's default build is draft-07; a 2020-12 schema needs its 2020 build to compile at all.
  const provider = providerFor(is2020 ? 'draft2020' : 'draft7');
  const check = provider.getValidator<Record<string, unknown>>(jsonSchema as never);
  // Ajv also caches the schema by object and by `$id`: a reload reusing the `$id` would get the
  // stale validator. The compiled validator works without the cache entry.
  (provider as unknown as { _ajv?: { removeSchema?(schema: object): void } })._ajv?.removeSchema?.(jsonSchema);
  return {
    jsonSchema,
    validate(value) {
      const result = check(value ?? {});
      return result.valid ? { ok: true, value: result.data } : { ok: false, message: result.errorMessage ?? 'invalid' };
    },
    fields() {
      const properties = (spec.properties ?? {}) as Record<string, { description?: string }>;
      const required = new Set(Array.isArray(spec.required) ? (spec.required as string[]) : []);
      return Object.entries(properties).map(([name, prop]) => ({
        name,
        description: typeof prop?.description === 'string' ? prop.description : undefined,
        required: required.has(name),
      }));
    },
  };
}
