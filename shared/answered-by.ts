/**
 * Twilio's answering-machine detection result (`AnsweredBy`): `human`, `unknown`, `fax`,
 * `machine_start`, or `machine_end_beep` / `_silence` / `_other`.
 */

/** A machine or a fax answered: the call is a voicemail outcome and never reaches the agent. */
export function isAnsweringMachine(answeredBy: string | null | undefined): boolean {
  return typeof answeredBy === 'string' && (answeredBy.startsWith('machine_') || answeredBy === 'fax');
}

/** A machine that records what is said (a fax does not): the call's voicemail message is left. */
export function takesVoicemail(answeredBy: string | null | undefined): boolean {
  return typeof answeredBy === 'string' && answeredBy.startsWith('machine_');
}
