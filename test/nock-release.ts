import nock from 'nock';

/**
 * Ends a test file's use of nock: allows the network again and unpatches `node:http`. A jest
 * worker shares Node's core modules between test files, so an interceptor left behind would sit
 * in front of the next file's real sockets (and, once jest tears down this file's globals, break them).
 */
export function releaseNock(): void {
  nock.cleanAll();
  nock.enableNetConnect();
  nock.restore();
}
