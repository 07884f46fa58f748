import { httpUrl } from '../env-values';
import { defineProvider } from './descriptor';

/** Credentials come from the standard AWS chain (the task role in AWS), so nothing is required. */
export const amazonNovaSonic = defineProvider({
  id: 'amazon_nova_sonic',
  label: 'Amazon Nova Sonic',
  // Nova 2 Sonic: the agent speaks first from a text prompt (cross-modal input), which Nova Sonic v1 lacks.
  defaultModel: 'amazon.nova-2-sonic-v1:0',
  defaultVoice: 'matthew',
  voices: ['matthew', 'tiffany', 'amy'],
  // Each Nova Sonic voice speaks one language.
  voiceByLanguage: { en: 'matthew', es: 'lupe', fr: 'ambre', de: 'tina', it: 'beatrice' },
  settings: {
    /** Bedrock runtime endpoint override (a VPC endpoint; the embedded stack's Nova Sonic fake). */
    BEDROCK_ENDPOINT: httpUrl.optional(),
  },
  secrets: {},
  required: [],
  iam: [
    {
      sid: 'NovaSonic',
      actions: ['bedrock:InvokeModelWithBidirectionalStream'],
      foundationModels: ['amazon.nova-sonic-v1:0', 'amazon.nova-2-sonic-v1:0'],
    },
  ],
});
