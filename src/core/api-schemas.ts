/**
 * JSON Schemas of the companion server's request bodies: plain data, so the server validates with
 * them (Fastify's ajv) and clients can check a request before sending it.
 */

export const sessionRequestSchema = {
  type: 'object',
  required: ['username', 'password'],
  additionalProperties: false,
  properties: { username: { type: 'string', minLength: 1, maxLength: 200 }, password: { type: 'string', minLength: 1, maxLength: 1000 } },
} as const;

export const roleNames = ['admin', 'engineer', 'technician'] as const;

const usernameSchema = { type: 'string', pattern: '^[A-Za-z0-9_.@-]{1,64}$' } as const;
// The server's password policy (length 12+, not a common password, not the username) says what
// is wrong in its 400 detail; the schema only bounds the size.
const passwordSchema = { type: 'string', minLength: 1, maxLength: 1000 } as const;
const sitesSchema = { type: 'array', items: { type: 'string', minLength: 1 }, maxItems: 10_000 } as const;

export const userCreateSchema = {
  type: 'object',
  required: ['username', 'password', 'role'],
  additionalProperties: false,
  properties: {
    username: usernameSchema,
    password: passwordSchema,
    role: { type: 'string', enum: roleNames },
    sites: sitesSchema,
  },
} as const;

/** Path parameters of /api/users/:username/… */
export const userParamsSchema = {
  type: 'object',
  required: ['username'],
  properties: { username: usernameSchema },
} as const;

/** PATCH /api/users/:username: what an admin changes about a user. */
export const userUpdateSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    role: { type: 'string', enum: roleNames },
    sites: sitesSchema,
    disabled: { type: 'boolean' },
  },
} as const;

/** PUT /api/users/:username/password: `current_password` is required for one's own. */
export const passwordChangeSchema = {
  type: 'object',
  required: ['password'],
  additionalProperties: false,
  properties: { password: passwordSchema, current_password: passwordSchema },
} as const;

/** Any JSON object (documents; their content is checked by the storage library). */
export const documentSchema = { type: 'object' } as const;

export const arrayCreateSchema = {
  type: 'object',
  required: ['id', 'timing'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 1000 },
    timing: { type: 'string', enum: ['regular', 'explicit'] },
    unit: { type: 'string', maxLength: 100 },
    site: { type: 'string', minLength: 1 },
  },
} as const;

export const samplesJsonSchema = {
  type: 'object',
  required: ['times', 'values'],
  additionalProperties: false,
  properties: { times: { type: 'array', items: { type: 'number' } }, values: { type: 'array', items: { type: ['number', 'null'] } } },
} as const;

export const transformationSchema = {
  type: 'object',
  required: ['id', 'inputs'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 1000 },
    inputs: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
    kernel: { type: 'string', minLength: 1 },
    /** A user kernel document's id (`user_kernel/<slug>`): its source runs in the server's sandbox threads. */
    user_kernel: { type: 'string', minLength: 1, maxLength: 100 },
    params: { type: 'object' },
    output: { type: 'string', minLength: 1 },
  },
  // A built-in kernel or a user kernel, never both (defineTransformation says so when neither).
  not: { required: ['kernel', 'user_kernel'] },
} as const;

export const kernelJobSchema = {
  type: 'object',
  required: ['array', 'kernel'],
  additionalProperties: false,
  properties: { array: { type: 'string', minLength: 1 }, kernel: { type: 'string', minLength: 1 }, params: { type: 'object' }, range: { type: 'integer', minimum: 1 } },
} as const;

/** POST /api/uploads: a CSV file to upload in pieces (see server/ingest/uploads.ts). */
export const uploadStartSchema = {
  type: 'object',
  required: ['name', 'size', 'fingerprint', 'header', 'header_bytes'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 500 },
    // Byte counts: integers a double holds exactly (and SQLite's and PostgreSQL's 64-bit columns store).
    size: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
    fingerprint: { type: 'string', minLength: 1, maxLength: 500 },
    header: { type: 'string', minLength: 1, maxLength: 100_000 },
    header_bytes: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
    delimiter: { type: 'string', minLength: 1, maxLength: 1 },
    time_column: { type: 'string', minLength: 1, maxLength: 500 },
    site: { type: 'string', minLength: 1 },
    asset: { type: 'string', minLength: 1 },
  },
} as const;
