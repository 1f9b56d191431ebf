import { Agent, request } from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

const CLIENT_ID = 'bench-client-id';
const CLIENT_SECRET = 'bench-client-secret';
const REFRESH_TOKEN = 'bench-refresh-token';

/** The JSON body the official SDK sends for a refresh; the hand-written contenders send the same. */
const REFRESH_BODY = JSON.stringify({
  grant_type: 'refresh_token',
  refresh_token: REFRESH_TOKEN,
  client_id: CLIENT_ID,
  client_secret: CLIENT_SECRET,
});

function nodeHttpFloor(baseUrl) {
  const agent = new Agent({ keepAlive: true });
  const url = new URL('/oauth/token?refresh', baseUrl);
  const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(REFRESH_BODY) };
  return () =>
    new Promise((resolve, reject) => {
      const req = request(url, { method: 'POST', agent, headers }, (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          } catch (error) {
            reject(error);
          }
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(REFRESH_BODY);
    });
}

function globalFetch(baseUrl) {
  const url = `${baseUrl}/oauth/token?refresh`;
  return async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: REFRESH_BODY,
    });
    return response.json();
  };
}

function dropboxSign(baseUrl) {
  const { OAuthApi } = require('@dropbox/sign');
  const api = new OAuthApi();
  api.basePath = baseUrl;
  return async () => {
    const { body } = await api.oauthTokenRefresh({
      grantType: 'refresh_token',
      refreshToken: REFRESH_TOKEN,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
    });
    return body;
  };
}

/** node-fetch 2 as a user would pass it; Node 20's global agent already keeps connections alive. */
function nodeFetch2() {
  const nodeFetch = require('node-fetch');
  return (url, init) => nodeFetch(url, init);
}

function ours(entry, makeFetch) {
  return (baseUrl) => {
    const { OAuthClient } = require(entry);
    const fetchImpl = makeFetch?.();
    const client = new OAuthClient({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      baseUrl,
      allowInsecureHttp: true,
      ...(fetchImpl ? { fetch: fetchImpl } : {}),
    });
    return () => client.refresh(REFRESH_TOKEN);
  };
}

/**
 * Every way of making the same refresh call, keyed by a stable id. Each `create(baseUrl)` returns
 * a function doing one refresh and resolving with the parsed tokens.
 */
export function contenders(entry) {
  return [
    { id: 'floor', label: 'node:http + keep-alive agent (floor)', create: nodeHttpFloor },
    { id: 'fetch', label: 'global fetch (undici)', create: globalFetch },
    { id: 'dropbox', label: '@dropbox/sign 1.11 OAuthApi (axios)', create: dropboxSign },
    { id: 'ours', label: 'hellosign-oauth refresh() (default: node:http keep-alive)', create: ours(entry) },
    {
      id: 'oursFetch',
      label: 'hellosign-oauth refresh() with fetch: globalThis.fetch',
      create: ours(entry, () => globalThis.fetch),
    },
    {
      id: 'oursNodeFetch',
      label: 'hellosign-oauth refresh() with fetch: node-fetch 2',
      create: ours(entry, nodeFetch2),
    },
  ];
}

/** Checks a contender really got the token back, so a broken one cannot look fast. */
export function assertTokens(result, id) {
  const token = result?.access_token ?? result?.accessToken;
  if (typeof token !== 'string' || token.length === 0) throw new Error(`${id} did not return an access token`);
}
