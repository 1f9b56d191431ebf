/**
 * `hellosign-oauth/testing`: a local Dropbox Sign OAuth server for tests and demos. No network,
 * no credentials, no dependencies beyond Node.
 */
// Build layout, not an API dependency: every entry point imports the main one, so the bundler
// emits the core as one shared chunk and `require('hellosign-oauth')` reads two files (tsup.config.ts).
import '../index.js';

export type { MockApiCall, MockApiControls } from './api-endpoints.js';
export type { ConsentMode } from './consent-page.js';
export type { Fault, FaultBase, MockOperation } from './faults.js';
export type { AccessTokenStatus, MockTokenResponse } from './grants.js';
export { type MockServer, type MockServerOptions, startMockServer } from './mock-server.js';
export {
  type OptionalStorePart,
  type StoreConformanceCheck,
  StoreConformanceError,
  type StoreConformanceOptions,
  storeConformanceChecks,
} from './store-conformance.js';
