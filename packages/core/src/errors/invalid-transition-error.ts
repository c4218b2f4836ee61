import { ChurnError } from './churn-error.js';

/** A state machine was asked to apply an event its current state does not accept. */
export class InvalidTransitionError extends ChurnError {
  readonly machine: string;
  readonly state: string;
  readonly event: string;

  constructor(machine: string, state: string, event: string, hint?: string) {
    super(
      'invalid_transition',
      `${machine} cannot apply "${event}" while "${state}"${hint ? `: ${hint}` : '.'}`,
    );
    this.name = 'InvalidTransitionError';
    this.machine = machine;
    this.state = state;
    this.event = event;
  }
}
