import alawmulaw from 'alawmulaw';

const { mulaw } = alawmulaw;

/** G.711 μ-law bytes (Twilio's 8 kHz telephony audio) to 16-bit linear PCM samples. */
export function mulawToPcm16(bytes: Uint8Array): Int16Array {
  return mulaw.decode(bytes);
}

/** 16-bit linear PCM samples to G.711 μ-law bytes. */
export function pcm16ToMulaw(samples: Int16Array): Uint8Array {
  return mulaw.encode(samples);
}
