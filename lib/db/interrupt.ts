/**
 * SIGTERM / SIGINT while a database operation runs: the first signal calls `onSignal` (which
 * cancels the running statement so its transaction rolls back and the run ends cleanly); a second
 * signal restores the default behaviour and re-raises it.
 */
export function onTermination(onSignal: (signal: NodeJS.Signals) => void): () => void {
  let seen = false;
  const handler = (signal: NodeJS.Signals) => {
    if (seen) {
      remove();
      process.kill(process.pid, signal);
      return;
    }
    seen = true;
    onSignal(signal);
  };
  const remove = () => {
    process.off('SIGTERM', handler);
    process.off('SIGINT', handler);
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return remove;
}
