// What the browser tests do with a page: read its heading, click through it, and keep a screenshot
// of each step in .tmp/screenshots/<suite>/ for a person to look at.

import { once } from 'node:events';
import { mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { root } from '../../scripts/example-link.mjs';

/** A fresh .tmp/screenshots/<suite>/ and a function that saves `page` there as `NN-<name>.png`. */
export function screenshots(suite) {
  const dir = join(root, '.tmp', 'screenshots', suite);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  let shot = 0;
  return async (page, name) => {
    shot += 1;
    await page.screenshot({ path: join(dir, `${String(shot).padStart(2, '0')}-${name}.png`), fullPage: true });
  };
}

/** The page's main heading, as the user reads it. */
export const heading = (page) => page.$eval('h1', (h1) => h1.textContent.trim());

/** Clicks the link or button whose text (or submit value) is `label`, and waits for the next page. */
export async function click(page, label) {
  // A tab in the background may never finish a click's navigation.
  await page.bringToFront();
  for (const handle of await page.$$('a, button, input[type=submit]')) {
    const text = await handle.evaluate((el) => (el.value || el.textContent).trim());
    if (text === label) {
      const [response] = await Promise.all([page.waitForNavigation(), handle.click()]);
      return response;
    }
  }
  const h1 = await heading(page).catch(() => 'none');
  throw new Error(`No link or button "${label}" on ${page.url()} (h1: ${h1}).`);
}

/**
 * Another site on this machine, which Chromium reaches as http://<name>.test:<port> (see TEST_HOSTS):
 * `html(pathname)` is the page it serves at each path.
 */
export async function otherSite(name, html) {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html(new URL(req.url, 'http://x').pathname));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://${name}.test:${server.address().port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** A port nothing listens on now, for a server that must know its address before it starts. */
export async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  return port;
}
