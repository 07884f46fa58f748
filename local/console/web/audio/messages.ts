/** What the page and the audio worklets say to each other. */

export const MIC_ENCODER = 'mic-encoder';
export const STREAM_PLAYER = 'stream-player';

/** Twilio's frame: 20 ms of 8 kHz μ-law. */
export const FRAME_BYTES = 160;
export const FRAME_MS = 20;

export type MicEncoderIn = { type: 'mute'; muted: boolean };
export type MicEncoderOut = { type: 'frame'; frame: Uint8Array; level: number };

export type StreamPlayerIn = { type: 'audio'; mulaw: Uint8Array } | { type: 'mark'; name: string } | { type: 'clear' };
export type StreamPlayerOut = { type: 'played'; marks: string[] } | { type: 'level'; level: number };
