import { BadRequestError } from '../../src/index.js';
import { DeadGrants } from '../../src/session/dead-grants.js';

const rejection = () =>
  new BadRequestError({
    status: 400,
    headers: { 'x-request-id': 'req-1' },
    serverCode: 'invalid_grant',
    description: 'The refresh token is invalid.',
  });

describe('DeadGrants', () => {
  test('throws an equal error for the rejected tokens only, without the original response headers', () => {
    const dead = new DeadGrants();
    dead.add('user-1', { accessToken: 'access-a', refreshToken: 'refresh-a' }, rejection());

    const again = dead.errorFor('user-1', { accessToken: 'access-a', refreshToken: 'refresh-a' });

    expect(again).toBeInstanceOf(BadRequestError);
    expect(again).toMatchObject({ code: 'invalid_grant', status: 400, requiresReauthorization: true, headers: {} });
    expect(again?.message).toBe(rejection().message);
    expect(dead.errorFor('user-2', { accessToken: 'access-a', refreshToken: 'refresh-a' })).toBeUndefined();
    // Other tokens revive the grant, for good.
    expect(dead.errorFor('user-1', { accessToken: 'access-a', refreshToken: 'refresh-b' })).toBeUndefined();
    expect(dead.errorFor('user-1', { accessToken: 'access-a', refreshToken: 'refresh-a' })).toBeUndefined();
  });

  test('is bounded: past 100,000 dead grants the oldest is forgotten (it costs one more request, once)', () => {
    const dead = new DeadGrants();
    const error = rejection();
    for (let i = 0; i <= 100_000; i++) dead.add(`user-${i}`, { accessToken: `access-${i}` }, error);

    expect(dead.errorFor('user-0', { accessToken: 'access-0' })).toBeUndefined();
    expect(dead.errorFor('user-1', { accessToken: 'access-1' })).toBeInstanceOf(BadRequestError);
    expect(dead.errorFor('user-100000', { accessToken: 'access-100000' })).toBeInstanceOf(BadRequestError);
  });
});
