import type { InitiateRequest } from '../../shared/call-record';
import { toolUrlRefusal } from '../../shared/call-tools';
import type { Config } from '../../shared/config';
import { BadRequestError, ForbiddenError } from '../../shared/http-error';
import { languageTexts } from '../../shared/languages';
import { speaksLanguage, type RealtimeProvider } from '../../shared/providers';

/** Refuses per-call tools whose URL this deployment may not call (403, naming each tool). */
export function assertToolUrlsAllowed(request: InitiateRequest, c: Config): void {
  const refused = (request.tools ?? []).flatMap((tool) => {
    const reason = toolUrlRefusal(tool.url, { stage: c.STAGE, allowedHosts: c.TOOL_ALLOWED_HOSTS });
    return reason ? [`${tool.name}: ${reason}`] : [];
  });
  if (refused.length) throw new ForbiddenError(`Tool URL not allowed: ${refused.join('; ')}`, 'tool_url_not_allowed');
}

/** Refuses a language the engine or the call's provider cannot speak (400, naming both). */
export function assertLanguageSupported(language: string | undefined, provider: RealtimeProvider): void {
  if (language === undefined) return;
  if (!languageTexts(language) || !speaksLanguage(provider, language)) {
    throw new BadRequestError(
      `Language "${language}" is not supported with provider "${provider}"`,
      { language, provider },
      'language_not_supported',
    );
  }
}
