import { OAuthClient } from '../../src/index.js';
import { CLIENT_ID, REFRESH_TOKEN, SECRET, TOKEN_BODY } from './support.js';

const client = new OAuthClient({ clientId: CLIENT_ID, clientSecret: SECRET });

describe('a base URL with a path prefix', () => {
  const prefixed = new OAuthClient({
    clientId: CLIENT_ID,
    clientSecret: SECRET,
    baseUrl: 'https://gw.example.com/hellosign',
  });

  it('is kept by authorizeUrl, as it is by the token calls', () => {
    const { url } = prefixed.authorizeUrl({ state: 'st' });
    expect(new URL(url).origin).toBe('https://gw.example.com');
    expect(new URL(url).pathname).toBe('/hellosign/oauth/authorize');
  });

  it('with a trailing slash, is kept the same way', () => {
    const slash = new OAuthClient({
      clientId: CLIENT_ID,
      clientSecret: SECRET,
      baseUrl: 'https://gw.example.com/a/b/',
    });
    expect(new URL(slash.authorizeUrl().url).pathname).toBe('/a/b/oauth/authorize');
  });

  it('and the token calls go to the same prefix', async () => {
    const urls: string[] = [];
    const fetch = async (url: string) => {
      urls.push(url);
      return new Response(JSON.stringify(TOKEN_BODY), { status: 200 });
    };
    const c = new OAuthClient({
      clientId: CLIENT_ID,
      clientSecret: SECRET,
      baseUrl: 'https://gw.example.com/hellosign',
      fetch,
    });
    await c.refresh(REFRESH_TOKEN);
    expect(new URL(urls[0] as string).pathname).toBe('/hellosign/oauth/token');
  });

  it('leaves the default host unchanged', () => {
    expect(client.authorizeUrl({ state: 'st' }).url).toMatch(/^https:\/\/app\.hellosign\.com\/oauth\/authorize\?/);
  });
});
