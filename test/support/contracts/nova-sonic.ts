/**
 * How the Amazon Nova Sonic samples (github.com/aws-samples/amazon-nova-samples,
 * speech-to-speech/sample-codes/websocket-nodejs/src/client.ts, `processResponseStream`) read
 * Bedrock's output: each chunk is `{ event: { <name>: body } }` with one of the names below;
 * `toolUse` carries `toolUseId`, `toolName` and its input as a JSON string in `content`, and the
 * tool runs on the `contentEnd` of type TOOL that follows it.
 */
const OUTPUT_EVENTS = new Set(['completionStart', 'contentStart', 'textOutput', 'audioOutput', 'toolUse', 'contentEnd', 'completionEnd', 'usageEvent']);

type Body = Record<string, unknown>;

/** What in a stream of output events the samples would not read as intended; empty when all is well. */
export function novaSonicOutputProblems(events: readonly object[]): string[] {
  const problems: string[] = [];
  let toolUseWaiting = false;
  events.forEach((raw, index) => {
    const at = `#${index}`;
    const outer = raw as { event?: unknown };
    const keys = Object.keys(outer);
    if (keys.length !== 1 || typeof outer.event !== 'object' || outer.event === null) return problems.push(`${at}: not { event: {...} }`);
    const names = Object.keys(outer.event);
    const name = names[0];
    if (names.length !== 1 || !name || !OUTPUT_EVENTS.has(name)) return problems.push(`${at}: event ${names.join(',')} is not one the samples read`);
    const body = (outer.event as Record<string, Body>)[name]!;
    if (name === 'toolUse') {
      if (typeof body.toolUseId !== 'string' || typeof body.toolName !== 'string') problems.push(`${at}: toolUse without toolUseId/toolName`);
      if (typeof body.content !== 'string' || !isJsonObject(body.content)) problems.push(`${at}: toolUse content is not a JSON object string`);
      toolUseWaiting = true;
    }
    if ((name === 'textOutput' || name === 'audioOutput') && typeof body.content !== 'string') problems.push(`${at}: ${name} without string content`);
    if (name === 'contentEnd' && toolUseWaiting) {
      if (body.type !== 'TOOL') problems.push(`${at}: the contentEnd after a toolUse is not of type TOOL`);
      toolUseWaiting = false;
    }
    return undefined;
  });
  if (toolUseWaiting) problems.push('a toolUse was never followed by its contentEnd');
  return problems;
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}
