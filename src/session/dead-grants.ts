import type { OAuthApiError, OAuthApiErrorInit } from '../client/errors.js';

/** The tokens that identify one issue of a grant (the fields `sameTokens` compares). */
interface TokenIdentity {
  accessToken: string;
  refreshToken?: string;
}

/** What a rejection said, without the response it came in: enough to throw an equal error again. */
interface Rejection {
  readonly errorClass: new (init: OAuthApiErrorInit) => OAuthApiError;
  readonly init: OAuthApiErrorInit;
}

/** One dead grant: how it was rejected, and a fingerprint of the tokens the server rejected. */
interface DeadGrant {
  readonly rejection: Rejection;
  readonly fingerprint: number;
  readonly check: number;
}

/** Dead grants remembered at most; past it the oldest is forgotten and costs one more request, once. */
const MAX_DEAD_GRANTS = 100_000;
/** Distinct rejections shared between grants; thousands of dead grants usually share one or two. */
const MAX_REJECTIONS = 64;

/** FNV-1a over the UTF-16 code units of `text`, from `basis`: a 32-bit integer (a V8 small integer, no allocation). */
function fnv1a(text: string, basis: number): number {
  let hash = basis;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16_777_619);
  return hash | 0;
}

function identityText(tokens: TokenIdentity): string {
  return `${tokens.accessToken}\n${tokens.refreshToken ?? ''}`;
}

/**
 * Grants whose refresh token the server rejected (they need a new consent), remembered so later
 * calls fail at once without a request. Costs a few dozen bytes per grant, whatever the store: no
 * error, response headers or tokens are kept, only the rejection's words (shared between grants)
 * and two 32-bit fingerprints of the rejected tokens (a false match needs both to collide: about
 * one in 2^64). Bounded at `MAX_DEAD_GRANTS`.
 */
export class DeadGrants {
  readonly #grants = new Map<string, DeadGrant>();
  readonly #rejections = new Map<string, Rejection>();

  /** Remembers that the server rejected `tokens` of grant `key` with `error`. */
  add(key: string, tokens: TokenIdentity, error: OAuthApiError): void {
    const text = identityText(tokens);
    this.#grants.delete(key);
    if (this.#grants.size >= MAX_DEAD_GRANTS) this.#grants.delete(this.#grants.keys().next().value as string);
    this.#grants.set(key, {
      rejection: this.#rejection(error),
      fingerprint: fnv1a(text, 0x811c9dc5),
      check: fnv1a(text, 0x01000193),
    });
  }

  /**
   * The error to throw for a grant still holding the tokens the server rejected, or `undefined`.
   * Tokens that differ (a new consent, another process's refresh) revive the grant.
   */
  errorFor(key: string, tokens: TokenIdentity): OAuthApiError | undefined {
    const dead = this.#grants.get(key);
    if (!dead) return undefined;
    const text = identityText(tokens);
    if (fnv1a(text, 0x811c9dc5) !== dead.fingerprint || fnv1a(text, 0x01000193) !== dead.check) {
      this.#grants.delete(key);
      return undefined;
    }
    return new dead.rejection.errorClass(dead.rejection.init);
  }

  delete(key: string): void {
    this.#grants.delete(key);
  }

  #rejection(error: OAuthApiError): Rejection {
    const errorClass = error.constructor as Rejection['errorClass'];
    const init: OAuthApiErrorInit = {
      status: error.status,
      // The response's headers described that one response; an error thrown later carries none.
      headers: {},
      serverCode: error.code,
      description: error.description,
      path: error.path,
    };
    const id = [errorClass.name, init.status, init.serverCode, init.description, init.path].join('\u0000');
    const shared = this.#rejections.get(id);
    if (shared) return shared;
    const rejection = { errorClass, init };
    // Past the cap a rejection is simply not shared; the table stays small either way.
    if (this.#rejections.size < MAX_REJECTIONS) this.#rejections.set(id, rejection);
    return rejection;
  }
}
