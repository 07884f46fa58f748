import { httpUrl, optionalString } from '../env-values';
import { defineProvider, everyLanguage } from './descriptor';

export const openai = defineProvider({
  id: 'openai',
  label: 'OpenAI Realtime',
  defaultModel: 'gpt-realtime',
  defaultVoice: 'marin',
  voiceByLanguage: everyLanguage('marin'),
  voices: ['marin', 'cedar', 'alloy', 'ash', 'ballad', 'coral', 'echo', 'sage', 'shimmer', 'verse'],
  settings: {
    /** Also the key of the post-call summary and analysis. */
    OPENAI_API_KEY: optionalString,
    /** OpenAI API base (`…/v1`); the realtime WebSocket URL is derived from it. */
    OPENAI_BASE_URL: httpUrl.default('https://api.openai.com/v1'),
  },
  secrets: { OPENAI_API_KEY: 'OpenAI API key (realtime sessions, post-call summary)' },
  required: ['OPENAI_API_KEY'],
  iam: [],
});
