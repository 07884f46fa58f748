import { z } from 'zod';

/**
 * The callee's language on a call: a BCP-47 tag such as `es-ES`. The primary subtag picks the
 * agent's default wording here and each provider's voice (in its descriptor); the whole tag goes
 * where a provider or Twilio takes one (speech language, `<Say language>`).
 */

export const languageTagSchema = z
  .string()
  .regex(/^[a-z]{2,3}(-[A-Z][a-z]{3})?(-(?:[A-Z]{2}|\d{3}))?$/, 'must be a BCP-47 language tag such as es-ES or en');

export interface LanguageTexts {
  /** The language's English name (in instructions written in English). */
  name: string;
  /** Put before the call's instructions: the agent speaks this language whatever the instructions are written in. */
  instructionsPrefix: string;
  /** Said first when nothing more specific is known (the opening line of agents that need one). */
  greeting: string;
  /** Said by Twilio when the call cannot be connected to the agent, before it hangs up. */
  apology: string;
  /** The region `<Say language>` uses when the tag has none. */
  defaultRegion: string;
}

export const LANGUAGES: Record<string, LanguageTexts> = {
  en: {
    name: 'English',
    instructionsPrefix: 'Speak English for the whole call.',
    greeting: 'Hello! Do you have a moment to talk?',
    apology: 'Sorry, we cannot take this call right now. Please expect a call back. Goodbye.',
    defaultRegion: 'US',
  },
  es: {
    name: 'Spanish',
    instructionsPrefix: 'Habla en español durante toda la llamada, aunque las instrucciones estén en otro idioma.',
    greeting: '¡Hola! ¿Tiene un momento para hablar?',
    apology: 'Lo sentimos, ahora no podemos atender esta llamada. Le volveremos a llamar. Adiós.',
    defaultRegion: 'ES',
  },
  fr: {
    name: 'French',
    instructionsPrefix: "Parle en français pendant tout l'appel, même si les instructions sont dans une autre langue.",
    greeting: 'Bonjour ! Avez-vous un moment pour parler ?',
    apology: 'Désolés, nous ne pouvons pas prendre cet appel pour le moment. Nous vous rappellerons. Au revoir.',
    defaultRegion: 'FR',
  },
  de: {
    name: 'German',
    instructionsPrefix: 'Sprich während des ganzen Anrufs Deutsch, auch wenn die Anweisungen in einer anderen Sprache sind.',
    greeting: 'Hallo! Haben Sie einen Moment Zeit?',
    apology: 'Entschuldigung, wir können diesen Anruf gerade nicht annehmen. Wir rufen Sie zurück. Auf Wiederhören.',
    defaultRegion: 'DE',
  },
  it: {
    name: 'Italian',
    instructionsPrefix: "Parla in italiano per tutta la chiamata, anche se le istruzioni sono in un'altra lingua.",
    greeting: 'Buongiorno! Ha un momento per parlare?',
    apology: 'Ci scusi, al momento non possiamo gestire questa chiamata. La richiameremo. Arrivederci.',
    defaultRegion: 'IT',
  },
  pt: {
    name: 'Portuguese',
    instructionsPrefix: 'Fale em português durante toda a chamada, mesmo que as instruções estejam em outro idioma.',
    greeting: 'Olá! Tem um momento para conversar?',
    apology: 'Desculpe, não podemos atender esta chamada agora. Voltaremos a ligar. Até logo.',
    defaultRegion: 'BR',
  },
};

export function primaryLanguage(tag: string): string {
  return tag.split('-')[0]!;
}

/** The wording for a tag's language, or undefined when the engine has none. */
export function languageTexts(tag: string): LanguageTexts | undefined {
  return LANGUAGES[primaryLanguage(tag)];
}

/** The tag with a region (`es` → `es-ES`), for services that want one. */
export function regionalTag(tag: string): string {
  const texts = languageTexts(tag);
  return /-(?:[A-Z]{2}|\d{3})$/.test(tag) || !texts ? tag : `${tag}-${texts.defaultRegion}`;
}
