import { CLOSING_LINE, greetingFor, type AgentScript } from '../../local/fake-openai/scripts';

/** Greets, texts the callee after their first answer (send_sms is offered on every call), then closes. */
export const smsScript: AgentScript = {
  next({ instructions, history, trigger, tools }) {
    if (trigger === 'greeting') return { say: greetingFor(instructions) };
    if (trigger === 'tool_output') return { say: 'I have texted you the details.' };
    const userTurns = history.filter((entry) => entry.role === 'user').length;
    if (userTurns === 1 && tools.includes('send_sms')) return { call: { name: 'send_sms', arguments: { message: 'Cleaning confirmed: Tuesday 3 pm.' } } };
    return { say: CLOSING_LINE, end: true };
  },
};
