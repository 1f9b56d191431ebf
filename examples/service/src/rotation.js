// Re-encrypts every stored grant under the newest of TOKEN_KEYS (see README.md, "Rotating keys").
import { readConfig, VARIABLES } from './config.js';
import { openStorage } from './storage.js';

/**
 * Opens the store the environment names and re-encrypts what it holds under the newest key; a
 * refresh running meanwhile is never overwritten (hellosign-oauth's `rotate()` compares and sets).
 * Resolves to `{ rotated, current, missing }`.
 */
export async function rotateTokenKeys(env = process.env) {
  const config = readConfig(env);
  const storage = await openStorage(config);
  try {
    if (storage.rotateTokenKeys === undefined) {
      throw new Error(
        `Nothing to rotate: set ${VARIABLES.redisUrl} or ${VARIABLES.databaseUrl} (grants in memory are not encrypted).`,
      );
    }
    return await storage.rotateTokenKeys();
  } finally {
    await storage.close();
  }
}
