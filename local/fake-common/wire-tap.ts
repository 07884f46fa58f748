/** Lets a test see what a fake puts on the wire, to check it against the provider's own schemas. */
export interface WireTap {
  /** Called with every message the fake sends, as sent. */
  onSend?(message: object): void;
}
