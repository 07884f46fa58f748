import WebSocket, { WebSocketServer } from 'ws';

/**
 * The benchmark's floor: the least a Twilio ⇄ OpenAI Realtime bridge can do (no auth, no
 * persistence, no validation). Caller audio becomes `input_audio_buffer.append`, model audio
 * deltas become Twilio `media`. It runs as its own process, like the media service.
 */
const { MEDIA_PORT, PASS_THROUGH_MODEL_URL, OPENAI_API_KEY } = process.env;
let activeCalls = 0;
const server = new WebSocketServer({ port: Number(MEDIA_PORT), host: '127.0.0.1', perMessageDeflate: false });

server.on('connection', (twilio) => {
  activeCalls++;
  let model: WebSocket | undefined;
  let streamSid = '';
  const held: string[] = [];
  twilio.on('message', (data) => {
    const message = JSON.parse(String(data));
    if (message.event === 'media') {
      const append = `{"type":"input_audio_buffer.append","audio":"${message.media.payload}"}`;
      if (model?.readyState === WebSocket.OPEN) model.send(append);
      else held.push(append);
    } else if (message.event === 'start') {
      streamSid = message.start.streamSid;
      const instructions = `Benchmark call ${message.start.customParameters.callbackId}.`;
      const link = new WebSocket(PASS_THROUGH_MODEL_URL!, { headers: { Authorization: `Bearer ${OPENAI_API_KEY}` }, perMessageDeflate: false });
      model = link;
      link.on('open', () => {
        const format = { type: 'audio/pcmu' };
        link.send(JSON.stringify({ type: 'session.update', session: { type: 'realtime', instructions, audio: { input: { format, turn_detection: { type: 'semantic_vad' } }, output: { format } } } }));
        link.send(JSON.stringify({ type: 'response.create' }));
        for (const append of held.splice(0)) link.send(append);
      });
      link.on('message', (raw) => {
        const event = JSON.parse(String(raw));
        if (event.type === 'response.output_audio.delta') twilio.send(JSON.stringify({ event: 'media', streamSid, media: { payload: event.delta } }));
      });
      link.on('close', () => twilio.close());
      link.on('error', () => twilio.close());
    }
  });
  twilio.on('close', () => {
    activeCalls--;
    model?.close();
  });
});

server.on('listening', () => process.send?.('ready'));
process.on('message', (message) => {
  if (message === 'stats') process.send!({ activeCalls, cpu: process.cpuUsage(), rss: process.memoryUsage.rss() });
});
process.on('SIGTERM', () => process.exit(0));
