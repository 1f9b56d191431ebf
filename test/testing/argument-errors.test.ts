import { OAuthValidationError } from '../../src/index.js';
import { type Fault, startMockServer, storeConformanceChecks } from '../../src/testing/index.js';

// The testing entry point refuses bad arguments the way the rest of the package does: with an
// OAuthValidationError naming the argument, never a bare TypeError.
describe('the testing helpers refuse bad arguments with OAuthValidationError', () => {
  it.each<[string, unknown, RegExp]>([
    ['no fault object', null, /inject\(\) needs a fault object/],
    ['zero times', { type: 'reset', times: 0 }, /fault.times must be a positive integer or Infinity/],
    ['a negative latency', { type: 'latency', ms: -1 }, /latency fault needs ms from 0 to 2147483647/],
    ['a 5xx status of 404', { type: '5xx', status: 404 }, /5xx fault status must be an integer from 500 to 599/],
    ['a respond fault without a body', { type: 'respond', status: 200 }, /respond fault needs a string body/],
    ['an unknown fault type', { type: 'meteor' }, /Unknown fault type "meteor"/],
  ])('inject() with %s', async (_label, fault, message) => {
    const server = await startMockServer();
    try {
      const thrown = (() => {
        try {
          server.inject(fault as Fault);
        } catch (error) {
          return error;
        }
      })();
      expect(thrown).toBeInstanceOf(OAuthValidationError);
      expect((thrown as Error).message).toMatch(message);
    } finally {
      await server.close();
    }
  });

  it('storeConformanceChecks without a store factory', () => {
    expect(() => storeConformanceChecks('not a factory' as never)).toThrow(OAuthValidationError);
    expect(() => storeConformanceChecks('not a factory' as never)).toThrow(/needs a function that returns a store/);
  });
});
