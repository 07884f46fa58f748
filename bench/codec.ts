import { pathToFileURL } from 'node:url';
import { pcm16ToBytes, pcm16ToMulaw, PcmToTwilio, Resampler, TwilioToPcm } from '../media-service/audio/codec';

/**
 * What the audio codec costs per second of call, measured the way adapters use it: 20 ms
 * chunks, one stateful converter per direction, base64 in and out. `npx tsx bench/codec.ts`
 * prints a table; `measureCodecCost()` returns the rows (for bench/run.ts to include).
 */

export interface CodecCost {
  path: string;
  /** CPU milliseconds spent per second of audio converted. */
  cpuMsPerCallSecond: number;
  /** How many calls' worth of this conversion one core could keep up with. */
  callsPerCore: number;
}

const CHUNK_MS = 20;

function tone(rate: number, seconds: number): Int16Array {
  const out = new Int16Array(rate * seconds);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate) + 3000 * Math.sin((2 * Math.PI * 1870 * i) / rate));
  return out;
}

function chunks<T extends { subarray(a: number, b: number): T; length: number }>(data: T, size: number): T[] {
  const out: T[] = [];
  for (let at = 0; at < data.length; at += size) out.push(data.subarray(at, at + size));
  return out;
}

/** CPU ms per audio second of `run`, which converts `seconds` of audio: the best of five (the machine is shared). */
function measure(seconds: number, run: () => void): number {
  run(); // warm-up (JIT, filter design)
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const start = process.cpuUsage();
    run();
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / 1000 / seconds);
  }
  return best;
}

export function measureCodecCost(seconds = 10): CodecCost[] {
  const callerPayloads = chunks(Buffer.from(pcm16ToMulaw(tone(8000, seconds))), (8000 * CHUNK_MS) / 1000).map((b) => b.toString('base64'));
  const agent24k = chunks(tone(24_000, seconds), (24_000 * CHUNK_MS) / 1000);
  const agent16k = chunks(tone(16_000, seconds), (16_000 * CHUNK_MS) / 1000);
  const inbound = (rate: number) => () => {
    const decoder = new TwilioToPcm(rate);
    for (const payload of callerPayloads) decoder.decodeToBase64(payload);
  };
  const outbound = (rate: number, input: Int16Array[]) => {
    const payloads = input.map((chunk) => pcm16ToBytes(chunk).toString('base64'));
    return () => {
      const encoder = new PcmToTwilio(rate);
      for (const payload of payloads) encoder.encodeBase64(payload);
    };
  };
  const resampleOnly = (from: number, to: number, input: Int16Array[]) => () => {
    const resampler = new Resampler(from, to);
    const out = new Int16Array(resampler.maxOutput(Math.max(...input.map((c) => c.length))));
    for (const chunk of input) resampler.processInto(chunk, out);
  };
  const caller8k = chunks(tone(8000, seconds), (8000 * CHUNK_MS) / 1000);
  const costs: CodecCost[] = [];
  const cost = (path: string, cpuMsPerCallSecond: number): number => {
    costs.push({ path, cpuMsPerCallSecond: Number(cpuMsPerCallSecond.toFixed(3)), callsPerCore: Math.floor(1000 / cpuMsPerCallSecond) });
    return cpuMsPerCallSecond;
  };
  const row = (path: string, run: () => void) => cost(path, measure(seconds, run));
  const callerIn8k = row('caller in: μ-law 8k → PCM 8k (Gemini, Nova)', inbound(8000));
  row('caller in: μ-law 8k → PCM 16k (ElevenLabs pcm_16000)', inbound(16_000));
  const geminiOut = row('agent out: PCM 24k → μ-law 8k (Gemini)', outbound(24_000, agent24k));
  const novaOut = row('agent out: PCM 8k → μ-law 8k (Nova)', outbound(8000, caller8k));
  row('agent out: PCM 16k → μ-law 8k (ElevenLabs pcm_16000)', outbound(16_000, agent16k));
  row('resample only 8k → 16k', resampleOnly(8000, 16_000, caller8k));
  row('resample only 24k → 8k', resampleOnly(24_000, 8000, agent24k));
  cost('one Gemini call, both directions', callerIn8k + geminiOut);
  cost('one Nova Sonic call, both directions', callerIn8k + novaOut);
  return costs;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const costs = measureCodecCost();
  console.table(costs);
}
