// `npm start`: serves the example. Configure it with environment variables (see README.md);
// with none set it runs against the mock server bundled with hellosign-oauth.
import { ConfigError } from './config.js';
import { startService } from './service.js';

try {
  const service = await startService();
  const against = service.mock ? `the bundled mock Dropbox Sign at ${service.mock.url}` : 'Dropbox Sign';
  console.log(`Example service on ${service.url} (against ${against}). Ctrl-C stops it.`);
  const stop = () => service.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  console.error(
    err instanceof ConfigError ? `Cannot start: ${err.message}` : `Cannot start: ${err.name}: ${err.message}`,
  );
  process.exitCode = 1;
}
