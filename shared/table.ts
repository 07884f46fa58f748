/**
 * The call table's shape, shared by the CDK construct and the embedded stack so both
 * build the same table. One item per call (`sk = "call"`) plus one item per transcript
 * turn and tool call under the same partition key.
 */
export const callTable = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch-seconds attribute DynamoDB's TTL deletes items by (CALL_RETENTION_DAYS). */
  ttlAttribute: 'expiresAt',
  /** Sparse index of calls not yet completed, ordered by when the sweeper may complete them. */
  openCallsIndex: {
    name: 'open-calls',
    partitionKey: 'openShard',
    sortKey: 'sweepAt',
  },
} as const;
