// `npm run rotate-keys`: re-encrypts every grant under the newest key of TOKEN_KEYS. Run it once
// every instance runs with the new key first in TOKEN_KEYS; remove the old key once it reports 0 rotated.
import { rotateTokenKeys } from './rotation.js';

try {
  const { rotated, current, missing } = await rotateTokenKeys();
  console.log(`Re-encrypted ${rotated} grant(s); ${current} already under the newest key; ${missing} gone meanwhile.`);
} catch (err) {
  console.error(`Cannot rotate: ${err.name}: ${err.message}`);
  process.exitCode = 1;
}
