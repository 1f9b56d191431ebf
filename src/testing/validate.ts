import {
  type OAuthTokenGenerateRequest,
  OAuthTokenGenerateRequestFromJSON,
} from '../../generated/models/OAuthTokenGenerateRequest.js';
import {
  type OAuthTokenRefreshRequest,
  OAuthTokenRefreshRequestFromJSON,
} from '../../generated/models/OAuthTokenRefreshRequest.js';

/** A request body schema from openapi.yaml: its property types and required properties. */
export interface BodySchema {
  properties: Readonly<Record<string, 'string'>>;
  required: readonly string[];
}

/** `components.schemas.OAuthTokenGenerateRequest` (a test keeps this equal to the spec). */
export const GENERATE_REQUEST_SCHEMA: BodySchema = {
  properties: { client_id: 'string', client_secret: 'string', code: 'string', state: 'string', grant_type: 'string' },
  required: ['client_id', 'client_secret', 'code', 'state', 'grant_type'],
};

/** `components.schemas.OAuthTokenRefreshRequest` (a test keeps this equal to the spec). */
export const REFRESH_REQUEST_SCHEMA: BodySchema = {
  properties: { grant_type: 'string', refresh_token: 'string', client_id: 'string', client_secret: 'string' },
  required: ['grant_type', 'refresh_token'],
};

/** A body the spec refuses: answered as a 400 `bad_request` naming the field. */
export interface BodyViolation {
  message: string;
  path?: string;
}

export type Validated<T> = { ok: true; value: T } | ({ ok: false } & BodyViolation);

function check(body: unknown, schema: BodySchema): BodyViolation | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { message: 'The request body must be a JSON object.' };
  }
  const fields = body as Record<string, unknown>;
  for (const [name, type] of Object.entries(schema.properties)) {
    const value = fields[name];
    if (value !== undefined && value !== null && typeof value !== type) {
      return { message: `This value should be of type ${type}.`, path: name };
    }
  }
  for (const name of schema.required) {
    const value = fields[name];
    // The service's own wording for a missing field (see the spec's 400 example).
    if (value === undefined || value === null || value === '') {
      return { message: 'This value should not be blank', path: name };
    }
  }
  return undefined;
}

/** Validates a code-exchange body against the spec and reads it through the generated model. */
export function validateGenerateRequest(body: unknown): Validated<OAuthTokenGenerateRequest> {
  const violation = check(body, GENERATE_REQUEST_SCHEMA);
  if (violation) return { ok: false, ...violation };
  // The schema check above is the required-field check, by wire name. Not the generated
  // `instanceOf…` guard: in generator 7.14.0 it looks for the model's camelCase names in the wire
  // JSON and so rejects every valid body (found by check:generator-matrix with 7.14.0).
  return { ok: true, value: OAuthTokenGenerateRequestFromJSON(body) };
}

/** Validates a refresh body against the spec and reads it through the generated model. */
export function validateRefreshRequest(body: unknown): Validated<OAuthTokenRefreshRequest> {
  const violation = check(body, REFRESH_REQUEST_SCHEMA);
  if (violation) return { ok: false, ...violation };
  const value = OAuthTokenRefreshRequestFromJSON(body);
  // Empty optional credentials mean "not sent", as they would for a form field left blank.
  return {
    ok: true,
    value: { ...value, clientId: value.clientId || undefined, clientSecret: value.clientSecret || undefined },
  };
}
