import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';
import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { settingsFromContext } from './settings';
import { CallerEngineStack } from './stack';

/** The repository root: handlers, package-lock.json and the Docker build context live there. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The `context` block of cdk.json (feature flags and defaults). The CDK CLI passes it to
 * the app itself; reading it here too makes an app built in a test synthesize exactly
 * like `cdk synth` (values from the CLI environment still win over these).
 */
export function cdkJsonContext(): Record<string, unknown> {
  const file = path.join(PROJECT_ROOT, 'cdk.json');
  if (!existsSync(file)) return {};
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { context?: Record<string, unknown> };
  return parsed.context ?? {};
}

export interface CreatedApp {
  readonly app: App;
  readonly stack: CallerEngineStack;
}

/**
 * Builds the Caller Engine CDK app: reads and validates the context, creates the stack
 * and registers the cdk-nag AwsSolutions checks (synth fails on an unacknowledged error;
 * every acknowledgement in infra/ carries its reason next to the resource).
 */
export function createApp(props: AppProps = {}): CreatedApp {
  const app = new App({ ...props, context: { ...cdkJsonContext(), ...props.context } });
  const settings = settingsFromContext((key) => app.node.tryGetContext(key));
  const account = settings.account ?? process.env.CDK_DEFAULT_ACCOUNT;
  const region = settings.region ?? process.env.CDK_DEFAULT_REGION;
  const stack = new CallerEngineStack(app, settings.stackName ?? `CallerEngine-${settings.stage}`, {
    settings,
    projectRoot: PROJECT_ROOT,
    env: account || region ? { account, region } : undefined,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack };
}

const invokedDirectly =
  process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
if (invokedDirectly) {
  createApp().app.synth();
}
