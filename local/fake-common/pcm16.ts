/** 16-bit little-endian PCM bytes of `samples`. */
export function pcm16ToBytes(samples: Int16Array): Buffer {
  const bytes = Buffer.alloc(samples.length * 2);
  samples.forEach((sample, i) => bytes.writeInt16LE(sample, i * 2));
  return bytes;
}

/** The samples of 16-bit little-endian PCM bytes (an odd last byte is ignored). */
export function pcm16FromBytes(bytes: Buffer): Int16Array {
  const samples = new Int16Array(Math.floor(bytes.length / 2));
  for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(i * 2);
  return samples;
}

/** Reads PCM16 from chunks that may split a sample: the odd byte waits for the next chunk. */
export class Pcm16Reader {
  #carry: Buffer = Buffer.alloc(0);

  read(bytes: Buffer): Int16Array {
    const joined = this.#carry.length > 0 ? Buffer.concat([this.#carry, bytes]) : bytes;
    const whole = joined.length - (joined.length % 2);
    this.#carry = Buffer.from(joined.subarray(whole));
    return pcm16FromBytes(joined.subarray(0, whole));
  }
}
