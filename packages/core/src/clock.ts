/**
 * Where "now" comes from. Every rule that depends on the time (card expiry, the
 * 180-second session budget, retention) takes a clock so tests can pin it.
 */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

/** A clock that always answers the same instant: for tests and replays. */
export function fixedClock(at: Date | string | number): Clock {
  const instant = new Date(at);
  return () => new Date(instant);
}
