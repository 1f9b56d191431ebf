/** One idle timer per duration in use, and whether a call used that duration since it was set. */
const anchors = new Map<number, { used: boolean }>();

/**
 * Keeps Node's list of `ms` timers alive while calls use that duration. Node keeps one list per
 * duration: clearing its last timer deletes the list and stops its libuv timer, and the next
 * `setTimeout(…, ms)` builds both again, which on Node 20 more than doubles what a per-call
 * timeout timer costs. One unref'd timer of the same duration keeps the list: it never keeps the
 * process alive, does nothing when it fires, and is set again only if a call used `ms` meanwhile
 * (so an idle process, or a test running all timers, is left with none). Per-call timers are
 * unchanged: each still fires, or is cleared, on its own.
 */
export function keepTimerListWarm(ms: number): void {
  const anchor = anchors.get(ms);
  if (anchor !== undefined) {
    anchor.used = true;
    return;
  }
  const state = { used: false };
  const arm = (): void => {
    const timer = setTimeout(() => {
      if (state.used) {
        state.used = false;
        arm();
      } else anchors.delete(ms);
    }, ms);
    // Where timers are plain numbers (no unref), an anchor would keep the process alive: none then.
    if (typeof timer === 'object' && typeof timer?.unref === 'function') timer.unref();
    else clearTimeout(timer);
  };
  anchors.set(ms, state);
  arm();
}
