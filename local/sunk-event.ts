/** One PutEvents entry as it was put on the bus (what a rule would match on). No Node imports: the console page shows these. */
export interface SunkEvent {
  source: string;
  'detail-type': string;
  detail: unknown;
  eventBusName?: string;
  time: string;
}
