import {
  BedrockRuntimeClient,
  InvokeModelWithBidirectionalStreamCommand,
  type InvokeModelWithBidirectionalStreamInput,
  type InvokeModelWithBidirectionalStreamOutput,
} from '@aws-sdk/client-bedrock-runtime';
import type { Config } from '../../shared/config';
import { awsClientOptions } from '../../shared/aws';

/**
 * The Bedrock runtime side of a Nova Sonic session: one client per region and endpoint
 * (credentials from the standard AWS chain: the Fargate task role in AWS), the
 * bidirectional stream call, and errors turned into sentences an operator can act on.
 */

const clients = new Map<string, BedrockRuntimeClient>();

export function bedrockClientFor(config: Pick<Config, 'AWS_REGION' | 'BEDROCK_ENDPOINT'>): BedrockRuntimeClient {
  const region = config.AWS_REGION;
  const endpoint = config.BEDROCK_ENDPOINT;
  const key = `${region} ${endpoint ?? ''}`;
  let client = clients.get(key);
  if (!client) {
    client = new BedrockRuntimeClient({
      // A loopback endpoint is the embedded stack's fake, which takes any credentials.
      ...(endpoint && isLoopback(endpoint) ? awsClientOptions(region, endpoint) : { region, ...(endpoint ? { endpoint } : {}) }),
      // The request body is a live event stream: a retry could not replay it.
      maxAttempts: 1,
    });
    clients.set(key, client);
  }
  return client;
}

export interface OpenedStream {
  /** Resolves once Bedrock answered the request with HTTP 200 (before any event). */
  accepted: Promise<void>;
  /** Resolves with the response events once the first one has arrived; rejects on refusal. */
  response: Promise<AsyncIterable<InvokeModelWithBidirectionalStreamOutput>>;
}

/**
 * Starts InvokeModelWithBidirectionalStream fed by `body`. The SDK's `send` resolves only
 * when the first response event arrives, and Nova says nothing until it has something to
 * say, so `accepted` reports the HTTP status as soon as the response headers are in.
 */
export function openBidirectionalStream(
  client: BedrockRuntimeClient,
  modelId: string,
  body: AsyncIterable<InvokeModelWithBidirectionalStreamInput>,
  abortSignal: AbortSignal,
): OpenedStream {
  const command = new InvokeModelWithBidirectionalStreamCommand({ modelId, body });
  let accept!: () => void;
  const accepted = new Promise<void>((resolve) => (accept = resolve));
  command.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const status = (result.response as { statusCode?: number }).statusCode;
      if (status !== undefined && status >= 200 && status < 300) accept();
      return result;
    },
    // Innermost in the deserialize step: sees the raw HTTP response before it is parsed.
    { step: 'deserialize', priority: 'low', name: 'novaSonicAcceptedObserver' },
  );
  const response = client.send(command, { abortSignal }).then((output) => {
    accept();
    if (!output.body) throw new Error('Bedrock answered without a response stream');
    return output.body;
  });
  return { accepted, response };
}

const CREDENTIAL_ERRORS = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'MissingAuthenticationTokenException',
  'CredentialsProviderError',
  'IncompleteSignatureException',
]);

/** An error from the SDK (refusal, stream exception, transport) as one clear sentence. */
export function describeBedrockError(error: unknown): { code: string; message: string } {
  const name = error instanceof Error ? error.name : 'Error';
  const detail = error instanceof Error ? error.message : String(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  const prefix = `Amazon Bedrock (Nova Sonic) ${name}${status ? ` [HTTP ${status}]` : ''}: ${detail}`;
  const hint = (() => {
    if (CREDENTIAL_ERRORS.has(name)) return 'The AWS credentials were refused; check the task role (or the local AWS credentials).';
    if (name === 'AccessDeniedException') return 'The credentials may not call bedrock:InvokeModelWithBidirectionalStream on this model, or model access is not enabled in this region.';
    if (name === 'ValidationException') return 'Bedrock rejected an input event or setting.';
    if (name === 'ModelTimeoutException') return 'Nova Sonic timed out (no input for too long, or the 8-minute stream limit).';
    if (name === 'ThrottlingException' || name === 'ServiceQuotaExceededException') return 'Too many requests or concurrent streams for this account and region.';
    if (name === 'ModelStreamErrorException' || name === 'InternalServerException' || name === 'ServiceUnavailableException') return 'A Bedrock service error; the call can be retried.';
    return '';
  })();
  return { code: name, message: hint ? `${prefix} ${hint}` : prefix };
}

function isLoopback(endpoint: string): boolean {
  try {
    const host = new URL(endpoint).hostname;
    return host === 'localhost' || host === '::1' || host === '[::1]' || host.startsWith('127.');
  } catch {
    return false;
  }
}
