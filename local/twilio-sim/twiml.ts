/** A small TwiML reader: enough XML for the verbs this product uses, strict about well-formedness like Twilio. */

export interface StreamNoun {
  url: string;
  name?: string;
  track?: string;
  statusCallback?: string;
  statusCallbackMethod?: string;
  parameters: Record<string, string>;
}

export type TwimlVerb =
  | { verb: 'Connect'; action?: string; method?: string; stream?: StreamNoun; nouns: string[] }
  | { verb: 'Say'; text: string; voice?: string; language?: string }
  | { verb: 'Play'; url: string }
  | { verb: 'Pause'; lengthSeconds: number }
  | { verb: 'Hangup' }
  | { verb: 'Reject'; reason?: string }
  | { verb: 'Dial'; target: string; nouns: string[]; attributes: Record<string, string> }
  | { verb: 'Redirect'; url: string; method: string }
  | { verb: 'Unsupported'; name: string; attributes: Record<string, string>; text: string };

export type TwimlParseResult = { ok: true; verbs: TwimlVerb[] } | { ok: false; error: string };

interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlNode[];
}
type XmlNode = XmlElement | string;

export function parseTwiml(xml: string): TwimlParseResult {
  const parsed = parseXml(xml);
  if (!parsed.ok) return parsed;
  if (parsed.root.name !== 'Response') return { ok: false, error: `root element is <${parsed.root.name}>, not <Response>` };
  return { ok: true, verbs: elements(parsed.root).map(toVerb) };
}

function toVerb(el: XmlElement): TwimlVerb {
  const a = el.attributes;
  switch (el.name) {
    case 'Connect': {
      const streamEl = elements(el).find((child) => child.name === 'Stream');
      return {
        verb: 'Connect',
        action: a.action,
        method: a.method,
        stream: streamEl && toStream(streamEl),
        nouns: elements(el).map((child) => child.name),
      };
    }
    case 'Say':
      return { verb: 'Say', text: textOf(el).trim(), voice: a.voice, language: a.language };
    case 'Play':
      return { verb: 'Play', url: textOf(el).trim() };
    case 'Pause':
      return { verb: 'Pause', lengthSeconds: Number(a.length ?? '1') || 1 };
    case 'Hangup':
      return { verb: 'Hangup' };
    case 'Reject':
      return { verb: 'Reject', reason: a.reason };
    case 'Dial': {
      const nouns = elements(el);
      const target = nouns.length > 0 ? nouns.map((noun) => textOf(noun).trim()).join(',') : textOf(el).trim();
      return { verb: 'Dial', target, nouns: nouns.map((noun) => noun.name), attributes: a };
    }
    case 'Redirect':
      return { verb: 'Redirect', url: textOf(el).trim(), method: a.method ?? 'POST' };
    default:
      return { verb: 'Unsupported', name: el.name, attributes: a, text: textOf(el).trim() };
  }
}

function toStream(el: XmlElement): StreamNoun {
  const parameters: Record<string, string> = {};
  for (const child of elements(el)) {
    if (child.name === 'Parameter' && child.attributes.name !== undefined) {
      parameters[child.attributes.name] = child.attributes.value ?? '';
    }
  }
  const a = el.attributes;
  return {
    url: a.url ?? '',
    name: a.name,
    track: a.track,
    statusCallback: a.statusCallback,
    statusCallbackMethod: a.statusCallbackMethod,
    parameters,
  };
}

const elements = (el: XmlElement) => el.children.filter((c): c is XmlElement => typeof c !== 'string');
const textOf = (el: XmlElement): string => el.children.map((c) => (typeof c === 'string' ? c : textOf(c))).join('');

type XmlResult = { ok: true; root: XmlElement } | { ok: false; error: string };

const NAME = /^[A-Za-z_:][-\w:.]*/;
const ATTRIBUTE = /\s*([A-Za-z_:][-\w:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/y;

function parseXml(xml: string): XmlResult {
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let pos = 0;
  const fail = (error: string): XmlResult => ({ ok: false, error: `${error} at offset ${pos}` });

  while (pos < xml.length) {
    const lt = xml.indexOf('<', pos);
    const text = xml.slice(pos, lt < 0 ? xml.length : lt);
    if (text.trim() !== '') {
      const top = stack.at(-1);
      if (!top) return fail('text outside the root element');
      const decoded = decodeEntities(text);
      if (decoded === undefined) return fail('unknown entity');
      top.children.push(decoded);
    }
    if (lt < 0) break;
    pos = lt;

    if (xml.startsWith('<?', pos) || xml.startsWith('<!--', pos) || xml.startsWith('<!DOCTYPE', pos)) {
      const terminator = xml.startsWith('<?', pos) ? '?>' : xml.startsWith('<!--', pos) ? '-->' : '>';
      const end = xml.indexOf(terminator, pos);
      if (end < 0) return fail('unterminated declaration or comment');
      pos = end + terminator.length;
      continue;
    }
    if (xml.startsWith('<![CDATA[', pos)) {
      const end = xml.indexOf(']]>', pos);
      const top = stack.at(-1);
      if (end < 0 || !top) return fail('misplaced CDATA');
      top.children.push(xml.slice(pos + 9, end));
      pos = end + 3;
      continue;
    }
    if (xml.startsWith('</', pos)) {
      const end = xml.indexOf('>', pos);
      const name = xml.slice(pos + 2, end).trim();
      const open = stack.pop();
      if (end < 0 || !open || open.name !== name) return fail(`unexpected </${name}>`);
      pos = end + 1;
      continue;
    }

    const name = NAME.exec(xml.slice(pos + 1))?.[0];
    if (!name) return fail('malformed tag');
    const element: XmlElement = { name, attributes: {}, children: [] };
    let cursor = pos + 1 + name.length;
    ATTRIBUTE.lastIndex = cursor;
    for (let match = ATTRIBUTE.exec(xml); match; match = ATTRIBUTE.exec(xml)) {
      const value = decodeEntities(match[2] ?? match[3] ?? '');
      if (value === undefined) return fail('unknown entity in attribute');
      element.attributes[match[1] as string] = value;
      cursor = ATTRIBUTE.lastIndex;
    }
    const close = /^\s*(\/?)>/.exec(xml.slice(cursor));
    if (!close) return fail(`malformed <${name}>`);
    pos = cursor + close[0].length;

    const parent = stack.at(-1);
    if (parent) parent.children.push(element);
    else if (root) return fail('more than one root element');
    else root = element;
    if (close[1] !== '/') stack.push(element);
  }
  if (stack.length > 0) return { ok: false, error: `unclosed <${stack.at(-1)?.name}>` };
  if (!root) return { ok: false, error: 'empty document' };
  return { ok: true, root };
}

const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(text: string): string | undefined {
  let unknown = false;
  const decoded = text.replace(/&([^;&<\s]*)(;?)/g, (_, entity: string, semicolon: string) => {
    const code = /^#x([0-9a-fA-F]+)$/.exec(entity)?.[1] ?? /^#(\d+)$/.exec(entity)?.[1];
    const value =
      code !== undefined ? String.fromCodePoint(parseInt(code, entity.startsWith('#x') ? 16 : 10)) : NAMED_ENTITIES[entity];
    if (value === undefined || semicolon !== ';') unknown = true;
    return value ?? '';
  });
  return unknown ? undefined : decoded;
}
