// How every page leaves the service: HTML, never cached (pages show account data and one-time links).
import { problemPage } from './pages.js';

export function sendPage(reply, status, html) {
  return reply.code(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html);
}

/** A problem from problems.js as its friendly page. */
export function sendProblem(reply, problem) {
  return sendPage(reply, problem.status, problemPage(problem));
}
