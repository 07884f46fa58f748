import { optionalHttpUrl, optionalString } from '../env-values';
import { defineProvider, everyLanguage } from './descriptor';

export const gemini = defineProvider({
  id: 'gemini',
  label: 'Gemini Live',
  defaultModel: 'gemini-2.5-flash-native-audio-preview-09-2025',
  defaultVoice: 'Puck',
  voiceByLanguage: everyLanguage('Puck'),
  voices: ['Puck', 'Charon', 'Kore', 'Fenrir', 'Aoede', 'Leda', 'Orus', 'Zephyr'],
  settings: {
    GEMINI_API_KEY: optionalString,
    /** Gemini API base for `@google/genai` (`httpOptions.baseUrl`); unset = Google. The embedded stack points it at a fake. */
    GEMINI_BASE_URL: optionalHttpUrl,
  },
  secrets: { GEMINI_API_KEY: 'Google Gemini API key (Gemini Live)' },
  required: ['GEMINI_API_KEY'],
  iam: [],
});
