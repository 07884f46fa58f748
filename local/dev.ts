import { existsSync } from 'node:fs';

/**
 * `npm run dev`: the embedded stack on fixed ports with the dev console, until Ctrl-C.
 * Settings come from the environment and `.env`; every service without credentials there
 * is simulated.
 */
if (existsSync('.env')) process.loadEnvFile('.env');
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
const { startLocalStack } = await import('./stack');
const { devConsole, CONSOLE_PATH } = await import('./console/index');

const stack = await startLocalStack({
  port: Number(process.env.PORT ?? 3000),
  mediaPort: Number(process.env.MEDIA_PORT ?? 5050),
  extraRoute: devConsole,
});

const generated = process.env.API_KEY ? '' : '  (generated for this run; set API_KEY to keep one)';
const example = JSON.stringify({
  to: '+15551234567',
  instructions: 'You are Ava from Northwind Dental calling {{name}} to confirm an appointment.',
  variables: { name: 'Sam' },
}).replace('{', '{"callbackId":"dev-\'$(date +%s)\'",');
console.log(`Caller Engine dev stack is up.

  API      ${stack.apiUrl}
  Media    ${stack.mediaUrl}
  Console  ${stack.apiUrl}${CONSOLE_PATH}
  API key  ${stack.apiKey}${generated}

  Twilio   ${stack.twilio ? 'simulator' : 'real'}
  Model    ${stack.fakes.openai ? 'fake OpenAI Realtime' : 'real'}
  Events   ${stack.config.EVENTS_FILE}

Try it from another shell:

  export API_URL=${stack.apiUrl} API_KEY=${stack.apiKey}
  curl -sS -X POST "$API_URL/call/initiate" -H "x-api-key: $API_KEY" -H 'content-type: application/json' -d '${example}'
  curl -sS "$API_URL/calls/<callbackId>" -H "x-api-key: $API_KEY"

Ctrl-C stops it. Calls as they happen:`);

const clock = () => new Date().toLocaleTimeString([], { hour12: false });
stack.activity.on('status', (callbackId, status) => console.log(`${clock()}  ${callbackId}  status › ${status}`));
stack.activity.on('turn', (callbackId, turn) =>
  console.log(`${clock()}  ${callbackId}  ${turn.role === 'assistant' ? 'agent ' : 'callee'} › ${turn.text}`),
);
stack.activity.on('toolCall', (callbackId, call) =>
  console.log(`${clock()}  ${callbackId}  tool   › ${call.name}(${JSON.stringify(call.arguments)}) → ${call.error ? `error: ${call.error}` : JSON.stringify(call.result)}`),
);
stack.activity.on('event', ({ detail }) => {
  const d = detail as { callbackId?: string; outcome?: string; durationSeconds?: number | null };
  if (d.callbackId && d.outcome) console.log(`${clock()}  ${d.callbackId}  completed: ${d.outcome}${d.durationSeconds ? `, ${d.durationSeconds} s` : ''}`);
});

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping…');
  await stack.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
