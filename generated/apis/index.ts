/* tslint:disable */
/* eslint-disable */
export * from './OAuthApi.js';
