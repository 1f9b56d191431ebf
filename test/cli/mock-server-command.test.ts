import { request } from 'node:http';
import { cli, expectOneLineFailure } from './support.js';

function getHtml(url: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false, headers: { accept: 'text/html' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    })
      .on('error', reject)
      .end();
  });
}

describe('mock-server --consent', () => {
  it('serves the consent page with --consent page and --app-name', async () => {
    const controller = new AbortController();
    let listening: (url: string) => void = () => {};
    const url = new Promise<string>((resolve) => {
      listening = resolve;
    });
    const running = cli(['mock-server', '--consent', 'page', '--app-name', 'CLI <Consent> App'], {
      signal: controller.signal,
      onStdout: (stdout) => {
        const match = /^listening on (http:\/\/127\.0\.0\.1:\d+)\n$/.exec(stdout);
        if (match) listening(match[1] as string);
      },
    });
    try {
      const page = await getHtml(`${await url}/oauth/authorize?response_type=code&client_id=mock-client-id&state=s`);
      expect(page.status).toBe(200);
      expect(page.text).toContain('<h1>CLI &#60;Consent&#62; App</h1>');
      expect(page.text).toContain('<button type="submit">Approve</button>');
    } finally {
      controller.abort();
    }
    expect((await running).code).toBe(0);
  });

  it('exits 2 for a consent mode it does not know', async () => {
    expect(expectOneLineFailure(await cli(['mock-server', '--consent', 'maybe']), 2)).toContain(
      '--consent must be page, approve or deny.',
    );
  });
});
