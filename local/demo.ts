import { parseArgs } from 'node:util';

// Quiet service logs so the conversation reads clearly; set POWERTOOLS_LOG_LEVEL=INFO to see them.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
const { startLocalStack } = await import('./stack');

/**
 * `npm run demo`: one whole call through the embedded stack, as the orchestrator would
 * place it: POST /call/initiate, the conversation printed as it happens, then the event.
 */
const { values } = parseArgs({
  options: {
    to: { type: 'string', default: process.env.DEMO_TO ?? '+15005550006' },
    provider: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s`;
const print = (line: string) => console.log(`${elapsed()}  ${line}`);

const stack = await startLocalStack({
  port: 0,
  mediaPort: 0,
  media: { onTurn: (_id, turn) => print(`${turn.role === 'assistant' ? 'agent ' : 'callee'} › ${turn.text}`) },
});
let exitCode = 1;
try {
  print(`stack up: API ${stack.apiUrl}, media ${stack.mediaUrl}, Twilio ${stack.twilio ? 'simulator' : 'real'}, model ${stack.model ? 'fake OpenAI Realtime' : 'real OpenAI'}`);
  const callbackId = `demo-${Date.now()}`;
  const response = await fetch(`${stack.apiUrl}/call/initiate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': stack.apiKey },
    body: JSON.stringify({
      callbackId,
      to: values.to,
      ...(values.provider ? { provider: values.provider } : {}),
      instructions: 'Your name is Ava from Northwind Dental. You are calling {{name}} to confirm a cleaning appointment.',
      variables: { name: 'Sam' },
      metadata: { source: 'demo' },
    }),
  });
  const body = (await response.json()) as { callSid?: string };
  print(`POST /call/initiate → ${response.status} ${JSON.stringify(body)}`);
  if (!response.ok) throw new Error('initiate failed');

  const event = await stack.events.waitFor((e) => (e.detail as { callbackId?: string }).callbackId === callbackId, 120_000);
  const sim = stack.twilio?.calls.find((call) => call.sid === body.callSid);
  const stream = sim?.streams?.[0];
  if (stream?.startedAt && stream.firstMediaReceivedAt) {
    print(`first agent audio ${stream.firstMediaReceivedAt - stream.startedAt} ms after the stream start`);
  }
  print(`Call Completed event on the bus (also appended to ${stack.config.EVENTS_FILE}):`);
  console.log(JSON.stringify(event, null, 2));
  exitCode = 0;
} catch (error) {
  console.error(error);
} finally {
  await stack.close();
  process.exit(exitCode);
}
