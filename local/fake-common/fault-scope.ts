/** Which of a fake's sessions its faults (drops, delays) apply to. */
export interface FaultScope {
  /** Apply the faults only to the first N sessions (later ones behave); all when unset. */
  faultySessions?: number;
}

/** The faults for the `sessionNumber`-th session (1-based): all of them, or none once past `faultySessions`. */
export function faultsFor<T extends object>(scope: FaultScope, sessionNumber: number, faults: T): Partial<T> {
  return scope.faultySessions === undefined || sessionNumber <= scope.faultySessions ? faults : {};
}
