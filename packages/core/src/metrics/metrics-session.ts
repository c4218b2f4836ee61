/**
 * What the metrics read from a recovery session. Structural, so a `ChatSession` entity,
 * a recovery `Conversation` mapped to seed names, or a storage row all fit: missing
 * optional values may be `undefined` or `null`.
 */
export interface MetricsSession {
  id: string;
  customerId: string;
  /** A `ChatSessionStatus`; anything else simply never counts as a success. */
  status: string;
  /** A `ChatSessionOutcome` once the session has ended. */
  outcome?: string | null | undefined;
  startTime: Date;
  endTime?: Date | null | undefined;
  /** Seconds from start to end; read only when `endTime` is missing. */
  resolutionTime?: number | null | undefined;
}

/** What the metrics read from a customer: `accountValue` is the monthly subscription value. */
export interface MetricsCustomer {
  id: string;
  accountValue: number;
}

/** True for a session that ended with the payment method updated: the one kind of success. */
export function isSuccessfulSession(session: MetricsSession): boolean {
  return session.status === 'completed' && session.outcome === 'payment-updated';
}

/**
 * Seconds from a session's start to its end: `(endTime - startTime) / 1000` when both are
 * valid dates, else the stored `resolutionTime`, else undefined (the session has not
 * ended, or its record is incomplete).
 */
export function sessionResolutionSeconds(session: MetricsSession): number | undefined {
  const { startTime, endTime, resolutionTime } = session;
  if (
    endTime instanceof Date &&
    startTime instanceof Date &&
    !Number.isNaN(endTime.getTime()) &&
    !Number.isNaN(startTime.getTime())
  ) {
    return (endTime.getTime() - startTime.getTime()) / 1000;
  }
  return typeof resolutionTime === 'number' && Number.isFinite(resolutionTime)
    ? resolutionTime
    : undefined;
}
