/**
 * `hellosign-oauth/testing`: a local Dropbox Sign OAuth server for tests and demos. No network,
 * no credentials, no dependencies beyond Node.
 */
export type { ConsentMode } from './consent-page.js';
export type { Fault, FaultBase, MockOperation } from './faults.js';
export type { MockTokenResponse } from './grants.js';
export { type MockServer, type MockServerOptions, startMockServer } from './mock-server.js';
