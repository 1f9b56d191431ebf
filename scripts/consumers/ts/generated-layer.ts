// The power-user subpath: the generated OAuthApi, models and runtime, typed.
import {
  Configuration,
  OAuthApi,
  type OAuthTokenResponse,
  OAuthTokenResponseFromJSON,
} from 'hellosign-oauth/generated';

export function generatedApi(basePath: string): OAuthApi {
  return new OAuthApi(new Configuration({ basePath }));
}

export const parsed: OAuthTokenResponse = OAuthTokenResponseFromJSON({ access_token: 'a', token_type: 'Bearer' });
