import { randomBytes, verify } from 'node:crypto';
import { z } from 'zod';
import { GoogleApiError, OAuthError } from './errors';

/**
 * Google's OAuth token endpoint for the service-account flow (RFC 7523 JWT bearer grant):
 * the assertion must be an RS256 JWT signed with the service account's key, for the token
 * audience, not expired; `sub` (impersonation) only for users the domain delegated to.
 */

export const TOKEN_AUDIENCE = 'https://oauth2.googleapis.com/token';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const TOKEN_LIFETIME_S = 3600;
const CLOCK_SKEW_S = 300;

export interface AccessGrant {
  scopes: string[];
  /** The impersonated user, when the JWT named one. */
  subject?: string;
  expiresAt: number;
}

export interface TokenRequestRecord {
  at: number;
  subject?: string;
  scopes: string[];
  granted: boolean;
}

const claimsSchema = z.object({
  iss: z.string(),
  aud: z.string(),
  scope: z.string().optional(),
  sub: z.string().optional(),
  iat: z.number(),
  exp: z.number(),
});

export class TokenIssuer {
  private readonly grants = new Map<string, AccessGrant>();
  readonly requests: TokenRequestRecord[] = [];

  constructor(
    private readonly serviceAccount: { clientEmail: string; publicKeyPem: string },
    /** Users the service account may impersonate (domain-wide delegation). */
    private readonly delegatedUsers: ReadonlySet<string>,
  ) {}

  /** Answers `POST /token` with an access token, or throws an OAuthError. */
  issue(form: URLSearchParams): { access_token: string; expires_in: number; token_type: 'Bearer' } {
    if (form.get('grant_type') !== JWT_BEARER) throw new OAuthError(400, 'unsupported_grant_type', 'Invalid grant_type.');
    const claims = this.verifiedClaims(form.get('assertion') ?? '');
    const scopes = (claims.scope ?? '').split(/\s+/).filter(Boolean);
    const record: TokenRequestRecord = { at: Date.now(), subject: claims.sub, scopes, granted: false };
    this.requests.push(record);
    if (scopes.length === 0) throw new OAuthError(400, 'invalid_scope', 'Empty or missing scope not allowed.');
    if (claims.sub && !this.delegatedUsers.has(claims.sub)) {
      throw new OAuthError(
        401,
        'unauthorized_client',
        'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.',
      );
    }
    const token = `ya29.fake-${randomBytes(24).toString('base64url')}`;
    this.grants.set(token, { scopes, subject: claims.sub, expiresAt: Date.now() + TOKEN_LIFETIME_S * 1000 });
    record.granted = true;
    return { access_token: token, expires_in: TOKEN_LIFETIME_S - 1, token_type: 'Bearer' };
  }

  /** The grant behind an `Authorization: Bearer` header, or a 401 / 403 as Google answers. */
  authorize(authorization: string | undefined, acceptedScopes: (scope: string) => boolean): AccessGrant {
    const token = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1];
    const grant = token ? this.grants.get(token) : undefined;
    if (!grant || grant.expiresAt < Date.now()) {
      throw new GoogleApiError(401, 'Request had invalid authentication credentials. Expected OAuth 2 access token.', 'authError');
    }
    if (!grant.scopes.some(acceptedScopes)) {
      throw new GoogleApiError(403, 'Request had insufficient authentication scopes.', 'insufficientPermissions');
    }
    return grant;
  }

  private verifiedClaims(assertion: string): z.infer<typeof claimsSchema> {
    const [header, payload, signature] = assertion.split('.');
    const invalid = (why: string) => new OAuthError(400, 'invalid_grant', `Invalid JWT: ${why}`);
    if (!header || !payload || !signature) throw invalid('not a JWS');
    const alg = safeJson(Buffer.from(header, 'base64url').toString('utf8'))?.alg;
    if (alg !== 'RS256') throw invalid(`unsupported alg ${String(alg)}`);
    const signed = verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), this.serviceAccount.publicKeyPem, Buffer.from(signature, 'base64url'));
    if (!signed) throw invalid('Invalid JWT Signature.');
    const claims = claimsSchema.safeParse(safeJson(Buffer.from(payload, 'base64url').toString('utf8')));
    if (!claims.success) throw invalid('missing claims');
    const now = Math.floor(Date.now() / 1000);
    if (claims.data.iss !== this.serviceAccount.clientEmail) throw invalid('unknown issuer');
    if (claims.data.aud !== TOKEN_AUDIENCE) throw invalid('wrong audience');
    if (claims.data.exp < now - CLOCK_SKEW_S || claims.data.iat > now + CLOCK_SKEW_S || claims.data.exp - claims.data.iat > TOKEN_LIFETIME_S) {
      throw invalid('Token must be a short-lived token (60 minutes) and in a reasonable timeframe.');
    }
    return claims.data;
  }
}

function safeJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
