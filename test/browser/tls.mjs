// https on this machine for the browser tests: a certificate made by openssl for *.example.test,
// which Chromium trusts by its public key (--ignore-certificate-errors-spki-list), and a TLS
// front that forwards to a plain-http service, as a load balancer would.
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh key and self-signed certificate for example.test and *.example.test, and the Chromium flag that trusts it. */
export function testCertificate() {
  const dir = mkdtempSync(join(tmpdir(), 'hellosign-oauth-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=example.test',
        '-addext',
        'subjectAltName=DNS:example.test,DNS:*.example.test',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'pipe' },
    );
    const key = readFileSync(join(dir, 'key.pem'));
    const cert = readFileSync(join(dir, 'cert.pem'));
    const spki = new X509Certificate(cert).publicKey.export({ type: 'spki', format: 'der' });
    const trust = `--ignore-certificate-errors-spki-list=${createHash('sha256').update(spki).digest('base64')}`;
    return { key, cert, trust };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function listen(server) {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    close: () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      }),
  };
}

/** An https server on a free port that forwards every request to the plain-http server `forwardTo(url)` names. */
export async function tlsFront(certificate) {
  let target;
  const server = createServer(certificate, (incoming, outgoing) => {
    const options = { method: incoming.method, path: incoming.url, headers: incoming.headers };
    const forward = request(target, options, (answer) => {
      outgoing.writeHead(answer.statusCode, answer.rawHeaders);
      answer.pipe(outgoing);
    });
    forward.on('error', () => outgoing.destroy());
    incoming.pipe(forward);
  });
  return {
    ...(await listen(server)),
    forwardTo(url) {
      target = url;
    },
  };
}

/** An https site on a free port answering every request with `respond(request, response)`. */
export async function tlsSite(certificate, respond) {
  return listen(createServer(certificate, respond));
}

/**
 * A GET over https to a *.example.test URL from Node (as an attacker's script, not a browser):
 * resolves to the answer's status, Set-Cookie headers and Location.
 */
export function httpsGet(certificate, url) {
  return new Promise((resolve, reject) => {
    const lookup = (_host, options, callback) =>
      options?.all ? callback(null, [{ address: '127.0.0.1', family: 4 }]) : callback(null, '127.0.0.1', 4);
    get(url, { ca: certificate.cert, lookup }, (answer) => {
      answer.resume();
      resolve({
        status: answer.statusCode,
        cookies: answer.headers['set-cookie'] ?? [],
        location: answer.headers.location,
      });
    }).on('error', reject);
  });
}
