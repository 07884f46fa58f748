import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A Secrets Manager endpoint for GetSecretValue (the awsJson1_1 protocol the SDK speaks),
 * reached through AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets are put by ARN and every read is
 * counted, so a test can see when a cached secret is read again.
 */
export async function startFakeSecretsManager() {
  const secrets = new Map<string, { value: string; versionId: string }>();
  const reads: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(body));
      };
      if (req.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue') {
        return reply(400, { __type: 'UnknownOperationException', message: `not served: ${req.headers['x-amz-target']}` });
      }
      const { SecretId } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { SecretId: string };
      reads.push(SecretId);
      const secret = secrets.get(SecretId);
      if (!secret) return reply(400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." });
      reply(200, {
        ARN: SecretId,
        Name: SecretId.split(':').at(-1),
        SecretString: secret.value,
        VersionId: secret.versionId,
        VersionStages: ['AWSCURRENT'],
        CreatedDate: Date.now() / 1000,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** What `aws secretsmanager put-secret-value` does: a new current version. */
    put(arn: string, value: string) {
      secrets.set(arn, { value, versionId: randomUUID() });
    },
    reads,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
