/**
 * Formats checked in more than one place (the API, the configuration, the media service,
 * the simulator, the dev console). Dependency-free, so the browser console can use them too.
 */

const E164_BODY = String.raw`\+[1-9]\d{6,14}`;
const CALLBACK_ID_BODY = String.raw`[A-Za-z0-9._:-]{1,128}`;

/** An E.164 phone number: `+`, a country code that does not start with 0, 7–15 digits in all. */
export const E164 = new RegExp(`^${E164_BODY}$`);
export const E164_MESSAGE = 'must be an E.164 number such as +15551234567';
/** The same rule for an HTML `pattern` attribute (anchored by the browser). */
export const E164_HTML_PATTERN = E164_BODY;

/** A caller's callbackId: 1–128 letters, digits, ".", "_", ":" or "-" (safe in a URL path and a DynamoDB key). */
/** Not dots alone: `.` and `..` would name no resource once in a URL path. */
export const CALLBACK_ID = new RegExp(`^(?!\\.+$)${CALLBACK_ID_BODY}$`);
export const CALLBACK_ID_MESSAGE = 'must be 1-128 characters of letters, digits, ".", "_", ":" or "-", not dots alone';
/** The callbackId rule as an unanchored piece, to embed in a route pattern. */
export const CALLBACK_ID_SOURCE = CALLBACK_ID_BODY;
