import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { PROVIDERS, type RealtimeProvider } from '../../shared/providers';

/** Grants `role` what the sessions of these providers need (as each provider's descriptor declares). */
export function grantProviderAccess(role: iam.IRole, providers: readonly RealtimeProvider[]): void {
  const stack = Stack.of(role);
  for (const grant of providers.flatMap((provider) => PROVIDERS[provider].iam)) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: grant.sid,
        actions: [...grant.actions],
        resources: grant.foundationModels.map((model) =>
          stack.formatArn({ service: 'bedrock', account: '', resource: 'foundation-model', resourceName: model }),
        ),
      }),
    );
  }
}
