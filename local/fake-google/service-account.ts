import { generateKeyPairSync } from 'node:crypto';

export interface FakeServiceAccount {
  clientEmail: string;
  /** PKCS#8 PEM, as in a downloaded service-account key file. */
  privateKeyPem: string;
  publicKeyPem: string;
}

/** A throwaway RSA service-account key for the embedded stack: the fake verifies the JWTs it signs. */
export function createFakeServiceAccount(clientEmail = 'caller-engine@local-project.iam.gserviceaccount.com'): FakeServiceAccount {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { clientEmail, privateKeyPem: privateKey, publicKeyPem: publicKey };
}
