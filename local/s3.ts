import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { DUMMY_ACCOUNT } from 's3rver/lib/models/account.js';

export interface LocalS3 {
  endpoint: string;
  bucket: string;
  close(): Promise<void>;
}

/** s3rver on loopback with one bucket, its files in a throwaway directory; it accepts the stack's local credentials. */
export async function startLocalS3(bucket: string): Promise<LocalS3> {
  for (const key of new Set(['local', process.env.AWS_ACCESS_KEY_ID ?? 'local'])) DUMMY_ACCOUNT.createKeyPair(key, process.env.AWS_SECRET_ACCESS_KEY ?? 'local');
  const directory = await mkdtemp(join(tmpdir(), 'caller-engine-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    close: async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
