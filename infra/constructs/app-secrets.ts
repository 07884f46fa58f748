import { Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { PROVIDER_SECRETS } from '../../shared/providers';
import { SECRET_NAMES, type SecretName } from '../settings';

export interface AppSecretsProps {
  /** The secrets the deployment uses (e.g. no API_KEY when the API uses IAM auth). */
  readonly names: readonly SecretName[];
  /**
   * Existing secrets (complete ARNs) to use instead of creating new ones.
   * @default {} - every secret in `names` is created
   */
  readonly existingArns?: Partial<Record<SecretName, string>>;
}

const DESCRIPTIONS: Record<SecretName, string> = {
  API_KEY: 'Caller Engine API key for POST /call/initiate and GET /calls/{callbackId} (generated)',
  TWILIO_AUTH_TOKEN: 'Twilio auth token (REST auth and webhook signatures)',
  ...PROVIDER_SECRETS,
  GOOGLE_PRIVATE_KEY: 'Google service-account private key (Calendar, Gmail tools)',
  WEBHOOK_SIGNING_SECRET: 'Standard Webhooks secret signing requests to the orchestrator (per-call tools, webhooks); generated, shared with the orchestrator',
};

/**
 * The Secrets Manager secrets of Caller Engine, one per secret variable of
 * `shared/config.ts`. Only API_KEY has a meaningful generated value; the others are
 * created with a random placeholder (so ECS can always resolve them) that the
 * operator replaces once with `aws secretsmanager put-secret-value`. Nothing secret
 * is ever in the template. Consumers are granted read access per secret.
 */
export class AppSecrets extends Construct {
  private readonly secrets = new Map<SecretName, secretsmanager.ISecret>();

  constructor(scope: Construct, id: string, props: AppSecretsProps) {
    super(scope, id);

    // validate
    for (const name of Object.keys(props.existingArns ?? {})) {
      if (!(SECRET_NAMES as readonly string[]).includes(name)) {
        throw new Error(`AppSecrets: unknown secret ${name}; expected one of ${SECRET_NAMES.join(', ')}`);
      }
    }

    // build
    for (const name of props.names) {
      const existing = props.existingArns?.[name];
      const id = name
        .toLowerCase()
        .split('_')
        .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
        .join('');
      if (existing !== undefined) {
        this.secrets.set(name, secretsmanager.Secret.fromSecretCompleteArn(this, id, existing));
        continue;
      }
      const secret = new secretsmanager.Secret(this, id, {
        description: DESCRIPTIONS[name],
        generateSecretString: { passwordLength: name === 'API_KEY' ? 48 : 32, excludePunctuation: true },
      });
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          name === 'API_KEY'
            ? 'The orchestrator holds a copy of the API key; it is rotated by a coordinated put-secret-value (the functions re-read it after their cache TTL).'
            : 'A third-party credential (Twilio, model vendor, Google): it is rotated at the vendor and stored here with put-secret-value; Secrets Manager cannot rotate it.',
      });
      this.secrets.set(name, secret);
    }
  }

  /** The secret of a variable; throws when the deployment does not define it. */
  public secret(name: SecretName): secretsmanager.ISecret {
    const secret = this.secrets.get(name);
    if (!secret) throw new Error(`AppSecrets: secret ${name} is not part of this deployment`);
    return secret;
  }

  /** Whether the deployment defines a secret. */
  public has(name: SecretName): boolean {
    return this.secrets.has(name);
  }

  /** Every secret of the deployment, by variable name. */
  public get all(): ReadonlyMap<SecretName, secretsmanager.ISecret> {
    return this.secrets;
  }
}
