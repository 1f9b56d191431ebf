// Requests Fastify cannot route or Node cannot parse (a garbled address, too many cookies, a
// broken request line) get the same friendly pages as everything else, with the security headers,
// and never repeat the request: its URL may carry an authorization code.
import { STATUS_CODES } from 'node:http';
import { problemPage } from './pages.js';
import { PROBLEMS } from './problems.js';
import { sendProblem } from './respond.js';

/**
 * Fastify's options for requests it would not route: `clientErrorHandler` and `frameworkErrors`,
 * answering with `headers` (securityHeaders), and no bare answer from Node itself.
 */
export function malformedRequestHandlers(headers) {
  return {
    // Node answers an HTTP/1.1 request without Host with a bare 400; the routes answer it instead.
    http: { requireHostHeader: false },

    /** Node could not parse the request, so no route sees it: the answer goes to the socket as is. */
    clientErrorHandler(error, socket) {
      if (error.code === 'ECONNRESET' || socket.destroyed) return;
      if (!socket.writable) {
        socket.destroy(error);
        return;
      }
      const problem = error.code === 'HPE_HEADER_OVERFLOW' ? PROBLEMS.tooLarge : PROBLEMS.badRequest;
      const html = problemPage(problem);
      const head = [
        `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}`,
        'content-type: text/html; charset=utf-8',
        `content-length: ${Buffer.byteLength(html)}`,
        'cache-control: no-store',
        'connection: close',
        ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
      ];
      socket.end(`${head.join('\r\n')}\r\n\r\n${html}`);
    },

    /** The router could not read the address (bad percent-encoding), so no route or hook ran. */
    frameworkErrors(error, _request, reply) {
      reply.headers(headers);
      if (error.code === 'FST_ERR_BAD_URL') return sendProblem(reply, PROBLEMS.badAddress);
      return sendProblem(reply, { ...PROBLEMS.badRequest, status: error.statusCode ?? 400 });
    },
  };
}

/**
 * Node answers an `Expect` other than `100-continue` with a bare 417 once nothing listens for it;
 * RFC 9110 lets a server ignore it, so such a request goes through the routes like any other.
 */
export function ignoreExpectations(server) {
  server.on('checkExpectation', (request, response) => server.emit('request', request, response));
}
