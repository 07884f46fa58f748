import { parseArgs } from 'node:util';

// Quiet service logs so the conversation reads clearly; set POWERTOOLS_LOG_LEVEL=INFO to see them.
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
const { startLocalStack } = await import('./stack');
const { SCENARIOS, isScenarioName } = await import('./scenarios');
const { startToolServer } = await import('./tool-server');
type ScenarioTool = import('./scenarios').ScenarioTool;
type ToolServer = import('./tool-server').ToolServer;
const { REALTIME_PROVIDERS, isRealtimeProvider } = await import('../shared/providers');

/**
 * `npm run demo`: one whole call through the embedded stack, as the orchestrator would
 * place it: POST /call/initiate, the conversation printed as it happens, then the event.
 */
const { values } = parseArgs({
  options: {
    to: { type: 'string', default: process.env.DEMO_TO ?? '+15005550006' },
    provider: { type: 'string' },
    scenario: { type: 'string', default: 'conversation' },
    json: { type: 'boolean', default: false },
  },
});
if (!isScenarioName(values.scenario)) {
  console.error(`Unknown scenario "${values.scenario}". Choose one of: ${Object.keys(SCENARIOS).join(', ')}`);
  process.exit(2);
}
const scenario = SCENARIOS[values.scenario];
if (values.provider !== undefined && !isRealtimeProvider(values.provider)) {
  console.error(`Unknown provider "${values.provider}". Choose one of: ${REALTIME_PROVIDERS.join(', ')}`);
  process.exit(2);
}

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s`;
const print = (line: string) => console.log(`${elapsed()}  ${line}`);

const stack = await startLocalStack({
  port: 0,
  mediaPort: 0,
  overrides: scenario.env,
  media: { onTurn: (_id, turn) => print(`${turn.role === 'assistant' ? 'agent ' : 'callee'} › ${turn.text}`) },
});
stack.activity.on('toolCall', (_id, call) =>
  print(`tool   › ${call.name}(${JSON.stringify(call.arguments)}) → ${call.error ? `error: ${call.error}` : JSON.stringify(call.result)}`),
);
let exitCode = 1;
let toolServer: ToolServer | undefined;

/** Starts the orchestrator's side of the scenario's own tools (it checks every signature) and returns them with their URLs. */
async function serveScenarioTools(specs: readonly ScenarioTool[]) {
  const byPath = new Map(specs.map((spec) => [`/tools/${spec.name}`, spec]));
  toolServer = await startToolServer({
    secret: stack.config.WEBHOOK_SIGNING_SECRET!,
    answer: (request, path) => ({ json: byPath.get(path)?.answer(request.arguments) ?? {} }),
  });
  return specs.map(({ answer: _answer, ...spec }) => ({ ...spec, url: `${toolServer!.url}/tools/${spec.name}` }));
}
try {
  const provider = values.provider ?? stack.config.REALTIME_PROVIDER;
  print(`stack up: API ${stack.apiUrl}, media ${stack.mediaUrl}, Twilio ${stack.twilio ? 'simulator' : 'real'}, model ${provider} (${stack.fakes[provider] ? 'fake' : 'real'})`);
  print(`scenario ${values.scenario}: ${scenario.summary}`);
  stack.twilio?.setBehaviour(values.to, scenario.behaviour);
  const tools = 'tools' in scenario ? await serveScenarioTools(scenario.tools) : [];
  const callbackId = `demo-${Date.now()}`;
  const response = await fetch(`${stack.apiUrl}/call/initiate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': stack.apiKey },
    body: JSON.stringify({
      callbackId,
      to: values.to,
      ...(values.provider ? { provider: values.provider } : {}),
      ...scenario.request,
      ...(tools.length ? { tools } : {}),
      metadata: { source: 'demo', scenario: values.scenario },
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
  if (sim?.voicemail) print(`answering machine: greeting and beep, then recorded ${JSON.stringify(sim.voicemail.recorded)}`);
  for (const message of stack.twilio?.messages.filter((m) => m.to === values.to) ?? []) print(`SMS to ${message.to} › ${message.body}`);
  if (sim?.dialed.length) print(`transferred: Twilio dialed ${sim.dialed.join(', ')}`);
  for (const request of toolServer?.received ?? []) {
    print(`tool server › ${request.path} signature ${request.verified ? 'verified' : 'REFUSED'} (webhook-id ${String(request.headers['webhook-id'])})`);
  }
  print(`Call Completed event on the bus (also appended to ${stack.config.EVENTS_FILE}):`);
  console.log(JSON.stringify(event, null, 2));
  exitCode = 0;
} catch (error) {
  console.error(error);
} finally {
  await toolServer?.close();
  await stack.close();
  process.exit(exitCode);
}
