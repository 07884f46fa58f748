/** The console API's answers, as declared for the server (../wire.ts) and the store (shared/call-record.ts); types only. */
export type { CallStatus, StatusChange, ToolCallRecord as ToolCall, TranscriptTurn } from '../../../shared/call-record';
export type {
  CallPage,
  CallSummary,
  ConsoleEnvironment,
  LiveMessage,
  PlacedBrowserCallReply as PlacedBrowserCall,
  ProviderChoice,
} from '../wire';
export type { Outcome } from '../../../shared/outcome';
