import { randomBytes } from 'node:crypto';

/** An OpenAI-looking identifier such as `item_3f9a…` or `resp_…`. */
export function newId(prefix: 'sess' | 'item' | 'resp' | 'call' | 'event' | 'chatcmpl' | 'msg' | 'conv'): string {
  return `${prefix}_${randomBytes(10).toString('hex')}`;
}
