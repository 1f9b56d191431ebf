/* tslint:disable */
/* eslint-disable */
export * from './ErrorResponse.js';
export * from './ErrorResponseError.js';
export * from './OAuthErrorResponse.js';
export * from './OAuthTokenGenerateRequest.js';
export * from './OAuthTokenRefreshRequest.js';
export * from './OAuthTokenResponse.js';
export * from './TokenErrorResponse.js';
