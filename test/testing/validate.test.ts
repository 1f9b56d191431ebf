import {
  instanceOfOAuthTokenGenerateRequest,
  OAuthTokenGenerateRequestFromJSON,
  OAuthTokenGenerateRequestToJSON,
} from '../../generated/models/OAuthTokenGenerateRequest.js';
import {
  instanceOfOAuthTokenRefreshRequest,
  OAuthTokenRefreshRequestFromJSON,
  OAuthTokenRefreshRequestToJSON,
} from '../../generated/models/OAuthTokenRefreshRequest.js';
import {
  type BodySchema,
  GENERATE_REQUEST_SCHEMA,
  REFRESH_REQUEST_SCHEMA,
  validateGenerateRequest,
  validateRefreshRequest,
} from '../../src/testing/validate.js';

// generated/ is checked against openapi.yaml by check:generated, so agreeing with it means agreeing with the spec.
// The guard is given the model (camelCase), as every supported generator reads it; 7.14.0's guard
// does not understand wire (snake_case) JSON.
const cases: [string, BodySchema, (value: object) => boolean, (value: never) => object, (json: unknown) => object][] = [
  [
    'OAuthTokenGenerateRequest',
    GENERATE_REQUEST_SCHEMA,
    instanceOfOAuthTokenGenerateRequest,
    OAuthTokenGenerateRequestToJSON,
    OAuthTokenGenerateRequestFromJSON,
  ],
  [
    'OAuthTokenRefreshRequest',
    REFRESH_REQUEST_SCHEMA,
    instanceOfOAuthTokenRefreshRequest,
    OAuthTokenRefreshRequestToJSON,
    OAuthTokenRefreshRequestFromJSON,
  ],
];

describe.each(cases)('the mock server schema of %s', (_name, schema, isInstance, toJSON, fromJSON) => {
  const full = Object.fromEntries(Object.keys(schema.properties).map((key) => [key, 'x']));

  it('has the properties of the generated model', () => {
    const modelKeys = Object.keys(toJSON({ clientId: 'x' } as never)).sort();
    expect(Object.keys(schema.properties).sort()).toEqual(modelKeys);
  });

  it('requires exactly what the generated model requires', () => {
    const required = Object.keys(full).filter((key) => !isInstance(fromJSON({ ...full, [key]: undefined })));
    expect([...schema.required].sort()).toEqual(required.sort());
  });
});

describe('request validation', () => {
  it('reads a valid code exchange through the generated model', () => {
    const result = validateGenerateRequest({
      client_id: 'id',
      client_secret: 'secret',
      code: 'c',
      state: 's',
      grant_type: 'authorization_code',
      extra: 'ignored',
    });
    expect(result).toEqual({
      ok: true,
      value: { clientId: 'id', clientSecret: 'secret', code: 'c', state: 's', grantType: 'authorization_code' },
    });
  });

  it('treats empty optional refresh credentials as not sent', () => {
    const result = validateRefreshRequest({ grant_type: 'refresh_token', refresh_token: 'r', client_id: '' });
    expect(result).toEqual({
      ok: true,
      value: { grantType: 'refresh_token', refreshToken: 'r', clientId: undefined, clientSecret: undefined },
    });
  });

  it('names the field of a wrong type before a missing one', () => {
    expect(validateRefreshRequest({ grant_type: 'refresh_token', client_id: 5 })).toEqual({
      ok: false,
      message: 'This value should be of type string.',
      path: 'client_id',
    });
  });
});
