import { writeFileSync } from 'node:fs';

/** Writes 16-bit mono PCM as a WAV file (what Chromium's fake microphone reads). */
export function writeWav(path: string, samples: Int16Array, sampleRate: number): void {
  const data = Buffer.alloc(samples.length * 2);
  samples.forEach((sample, i) => data.writeInt16LE(sample, i * 2));
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  writeFileSync(path, Buffer.concat([header, data]));
}

/** `speech` after `leadSeconds` of silence, followed by `tailSeconds` of silence. */
export function padWithSilence(speech: Int16Array, sampleRate: number, leadSeconds: number, tailSeconds: number): Int16Array {
  const lead = Math.round(leadSeconds * sampleRate);
  const out = new Int16Array(lead + speech.length + Math.round(tailSeconds * sampleRate));
  out.set(speech, lead);
  return out;
}
