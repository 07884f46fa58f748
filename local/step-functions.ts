import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readJsonBody } from './stand-in-http';

export interface TaskCompletion {
  taskToken: string;
  status: 'succeeded' | 'failed';
  output?: unknown;
  error?: string;
  cause?: string;
  at: number;
}

export interface LocalStepFunctions {
  endpoint: string;
  /** Task tokens the stand-in accepts; a completion for any other token is refused with TaskDoesNotExist. */
  issueToken(): string;
  completions: TaskCompletion[];
  /** Answer the next `count` requests with a throttling error (retried by the delivery queue). */
  throttleNext(count: number): void;
  close(): Promise<void>;
}

/**
 * Step Functions as far as a task-token callback reaches it: SendTaskSuccess and
 * SendTaskFailure over the JSON protocol the AWS SDK speaks, for tokens this stand-in issued
 * (as a `.waitForTaskToken` state would). A token completes once; later calls get
 * TaskTimedOut, as they do from the real service.
 */
export async function startLocalStepFunctions(): Promise<LocalStepFunctions> {
  const open = new Set<string>();
  const completions: TaskCompletion[] = [];
  let throttled = 0;
  let issued = 0;

  const server = createServer(async (req, res) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const body = (await readJsonBody(req)) as Record<string, unknown> | undefined;
    const token = typeof body?.taskToken === 'string' ? body.taskToken : '';
    if (target !== 'AWSStepFunctions.SendTaskSuccess' && target !== 'AWSStepFunctions.SendTaskFailure') {
      return error(res, 400, 'UnknownOperationException', `${target} is not supported`);
    }
    if (throttled > 0) {
      throttled--;
      return error(res, 400, 'ThrottlingException', 'Rate exceeded');
    }
    if (!open.has(token)) {
      const completed = completions.some((c) => c.taskToken === token);
      return error(res, 400, completed ? 'TaskTimedOut' : 'TaskDoesNotExist', 'Task does not exist anymore');
    }
    open.delete(token);
    if (target === 'AWSStepFunctions.SendTaskSuccess') {
      completions.push({ taskToken: token, status: 'succeeded', output: JSON.parse(String(body?.output ?? 'null')), at: Date.now() });
    } else {
      completions.push({ taskToken: token, status: 'failed', error: body?.error as string, cause: body?.cause as string, at: Date.now() });
    }
    return reply(res, 200, {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    issueToken: () => {
      const token = `AQC${Buffer.from(`local-task-${++issued}-${Date.now()}`).toString('base64url')}`;
      open.add(token);
      return token;
    },
    completions,
    throttleNext: (count) => {
      throttled = count;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
  res.end(JSON.stringify(body));
}

function error(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
  res.end(JSON.stringify({ __type: `com.amazonaws.swf.service.v2.model#${type}`, message }));
}
