/** `call-status` → `CallStatus`, `TWILIO_AUTH_TOKEN` → `TwilioAuthToken`: a name in construct ids. */
export function pascal(name: string): string {
  return name
    .toLowerCase()
    .split(/[-_]/)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}
