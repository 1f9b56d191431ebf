// Headless Debian Chromium driven by puppeteer-core: no browser download, a fresh profile per run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';

/** Where Chromium is: CHROMIUM_PATH, or Debian's package (`npm test` installs it: scripts/setup/requirements.cjs). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const FLAGS = [
  '--headless',
  // Root (as in CI) cannot use Chromium's user-namespace sandbox.
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Host names the tests give their local sites, so that Chromium sees several sites on one machine. */
export const TEST_HOSTS = '--host-resolver-rules=MAP *.test 127.0.0.1';

/** Launches Chromium with `args` added to the usual flags; `close()` ends it and removes its profile. */
export async function launchChromium({ args = [] } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'hellosign-oauth-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...FLAGS, ...args, `--user-data-dir=${profile}`],
    defaultViewport: { width: 900, height: 640 },
  });
  return {
    browser,
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
