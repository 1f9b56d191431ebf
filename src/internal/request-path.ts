// What only a request needs: loaded on the first one (see ./request-path-loader.ts), so
// `require('hellosign-oauth')` neither reads nor compiles it.
export { fetchWithToken } from '../api/fetch.js';
export { createTransport } from '../client/transport.js';
export { GeneratedRequests } from './generated-seam.js';
