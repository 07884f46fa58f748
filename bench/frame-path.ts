/**
 * One caller frame's JavaScript, without sockets: the media service's path (Twilio's wire form
 * read, barge-in and silence energy, input padding, the append written, the latency recorded)
 * beside the pass-through's (`JSON.parse`, the append written). `npx tsx bench/frame-path.ts`
 */
import { SilenceWatch } from '../media-service/bridge/silence-watch';
import { bridgeMetrics } from '../media-service/metrics';
import { CallerPlayback } from '../media-service/playback/caller-playback';
import { CallerInputPadding } from '../media-service/providers/openai-audio';
import { parseTwilioMessage } from '../media-service/twilio-stream';

const FRAMES_PER_ROUND = 200_000;
const payload = Buffer.from(Array.from({ length: 160 }, (_, i) => (i * 37) & 0xff)).toString('base64');
const frames = Array.from({ length: 1000 }, (_, i) =>
  Buffer.from(
    `{"event":"media","sequenceNumber":"${i + 2}","media":{"track":"inbound","chunk":"${i + 1}","timestamp":"${i * 20}","payload":"${payload}"},"streamSid":"MZ0123456789abcdef0123456789abcdef"}`,
  ),
);

let bytesWritten = 0;
const write = (message: string) => {
  bytesWritten += message.length;
};
const playback = new CallerPlayback({ streamSid: 'MZ', send: () => undefined });
const silence = new SilenceWatch({ timeoutMs: 30_000, agentBusy: () => false, ask: () => undefined, giveUp: () => undefined });
silence.stop();
const padding = new CallerInputPadding(write);

function mediaService(data: Buffer): void {
  const receivedAtNs = process.hrtime.bigint();
  const parsed = parseTwilioMessage(data);
  if (!parsed.ok || parsed.message.event !== 'media') return;
  const { payload: frame, timestamp } = parsed.message.media;
  playback.hearCaller(frame);
  silence.hear(frame);
  padding.frame(timestamp, frame);
  write(`{"type":"input_audio_buffer.append","audio":"${frame}"}`);
  bridgeMetrics.recordSince(bridgeMetrics.inbound, receivedAtNs);
}

function passThrough(data: Buffer): void {
  const message = JSON.parse(String(data));
  if (message.event === 'media') write(`{"type":"input_audio_buffer.append","audio":"${message.media.payload}"}`);
}

/** CPU per frame in the last of three rounds (the first two let V8 optimize). */
function measure(path: (data: Buffer) => void): number {
  let nsPerFrame = 0;
  for (let round = 0; round < 3; round++) {
    const before = process.cpuUsage();
    for (let i = 0; i < FRAMES_PER_ROUND; i++) path(frames[i % frames.length]!);
    const used = process.cpuUsage(before);
    nsPerFrame = ((used.user + used.system) * 1000) / FRAMES_PER_ROUND;
  }
  return nsPerFrame;
}

const floor = measure(passThrough);
const ours = measure(mediaService);
if (bytesWritten === 0) throw new Error('nothing was written');
console.log(`pass-through ${floor.toFixed(0)} ns per frame, media service ${ours.toFixed(0)} ns per frame (${(ours / floor).toFixed(2)}×)`);
