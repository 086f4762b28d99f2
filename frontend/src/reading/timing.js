// Active reading time: seconds with the tab visible and some input in the last minute. The
// server records when the case was opened and submitted; this is the client's share.

const IDLE_AFTER_MS = 60000;

export function createActiveTimer(initialSeconds = 0) {
  let total = initialSeconds;
  let lastInput = performance.now();
  let lastTick = performance.now();
  const touch = () => {
    lastInput = performance.now();
  };
  const events = ['pointerdown', 'pointermove', 'keydown', 'wheel'];
  for (const name of events) document.addEventListener(name, touch, { passive: true, capture: true });

  const tick = () => {
    const now = performance.now();
    if (document.visibilityState === 'visible' && now - lastInput < IDLE_AFTER_MS) {
      total += (now - lastTick) / 1000;
    }
    lastTick = now;
  };
  const interval = setInterval(tick, 1000);
  document.addEventListener('visibilitychange', tick);

  return {
    seconds() {
      tick();
      return total;
    },
    stop() {
      clearInterval(interval);
      for (const name of events) document.removeEventListener(name, touch, { capture: true });
      document.removeEventListener('visibilitychange', tick);
    },
  };
}
