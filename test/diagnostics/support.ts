import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { DIAGNOSTICS_CHANNELS } from '../../src/index.js';

const TRACING = [DIAGNOSTICS_CHANNELS.tokenRequest, DIAGNOSTICS_CHANNELS.sessionRefresh];
const EVENTS = ['start', 'end', 'asyncStart', 'asyncEnd', 'error'] as const;

/** Every channel name the package publishes on, the TracingChannels' five each included. */
export const ALL_CHANNEL_NAMES: string[] = [
  ...Object.values(DIAGNOSTICS_CHANNELS).filter((name) => !TRACING.includes(name as never)),
  ...TRACING.flatMap((name) => EVENTS.map((event) => `tracing:${name}:${event}`)),
];

export interface Recorded {
  channel: string;
  /** A deep copy at publish time (the TracingChannel context object is filled in later). */
  snapshot: Record<string, unknown>;
  /** The live object, as a subscriber holds it. */
  message: Record<string, unknown>;
}

/** Subscribes to every channel; `stop()` unsubscribes. */
export function recordAll(): { events: Recorded[]; of(channel: string): Recorded[]; stop(): void } {
  const events: Recorded[] = [];
  const listeners = ALL_CHANNEL_NAMES.map((name) => {
    const listener = (message: unknown) => {
      const { error, ...rest } = message as Record<string, unknown>;
      events.push({
        channel: name,
        snapshot: { ...structuredClone(rest), ...(error === undefined ? {} : { error }) },
        message: message as Record<string, unknown>,
      });
    };
    subscribe(name, listener);
    return [name, listener] as const;
  });
  return {
    events,
    of: (channel) => events.filter((event) => event.channel === channel),
    stop: () => {
      for (const [name, listener] of listeners) unsubscribe(name, listener);
    },
  };
}
