// The CommonJS side of the types under node16: `require` resolves the `require` condition (.d.ts).
import hellosign = require('hellosign-oauth');

export function createClient(baseUrl: string): hellosign.OAuthClient {
  return new hellosign.OAuthClient({ clientId: 'id', clientSecret: 'secret', baseUrl, allowInsecureHttp: true });
}

export function isApiError(error: unknown): error is hellosign.OAuthApiError {
  return error instanceof hellosign.OAuthApiError;
}
