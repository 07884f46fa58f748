import { bytesToPcm16 } from '../../media-service/audio/codec';

/** Reads PCM16 from chunks that may split a sample: the odd byte waits for the next chunk. */
export class Pcm16Reader {
  #carry: Buffer = Buffer.alloc(0);

  read(bytes: Buffer): Int16Array {
    const joined = this.#carry.length > 0 ? Buffer.concat([this.#carry, bytes]) : bytes;
    const whole = joined.length - (joined.length % 2);
    this.#carry = Buffer.from(joined.subarray(whole));
    return bytesToPcm16(joined.subarray(0, whole));
  }
}
