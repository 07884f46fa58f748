import { audioTimelines, type AudioTimelines } from './audio-timeline';

/** What every fake model's session records alike, whatever the provider's protocol (the rest is its own). */
export interface FakeSessionStats<CloseCause extends string> {
  closedAt?: number;
  closedBy?: CloseCause;
  audioBytesReceived: number;
  audioBytesSent: number;
  /** When each 20 ms of audio was sent and received (the benchmark's end-to-end latency). */
  timeline: AudioTimelines;
  /** What the caller said, as the fake transcribed it. */
  userTranscripts: string[];
  /** What the agent said, each turn as far as it was spoken. */
  assistantTranscripts: string[];
  /** The script said the call is over. */
  ended: boolean;
}

/** The shared part of a new session's stats, all zero. */
export function newSessionStats(): FakeSessionStats<never> {
  return { audioBytesReceived: 0, audioBytesSent: 0, timeline: audioTimelines(), userTranscripts: [], assistantTranscripts: [], ended: false };
}

/**
 * A fake's stats as its owner reads them: the recorder's counts and lists, read-only, without
 * its methods (the recorder alone opens sessions and counts).
 */
export type StatsView<Recorder> = {
  readonly [K in keyof Recorder as Recorder[K] extends (...args: never[]) => unknown ? never : K]: ReadOnlyValue<Recorder[K]>;
};

type ReadOnlyValue<T> = T extends Map<infer Key, infer Value> ? ReadonlyMap<Key, Value> : T extends Array<infer Item> ? readonly Item[] : T;
