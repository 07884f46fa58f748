import { Validations } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { API_ROUTES, type ApiRoute, type HandlerName } from '../../../functions/routes';
import { pascal } from '../../names';
import type { ApiAuthMode } from '../../settings';

/**
 * Adds every route of `functions/routes.ts` to the API, one integration per handler. The
 * Twilio webhook routes get their own throttle on the stage, apart from the stage's.
 */
export function addApiRoutes(props: {
  readonly httpApi: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly functions: Readonly<Record<HandlerName, NodejsFunction>>;
  readonly auth: ApiAuthMode;
  readonly twilioThrottle: { readonly rateLimit: number; readonly burstLimit: number };
}): void {
  const { httpApi, stage } = props;
  const authorizer = props.auth === 'iam' ? new HttpIamAuthorizer() : undefined;
  const integrations = new Map<HandlerName, HttpLambdaIntegration>();
  const twilioRouteKeys: string[] = [];
  for (const { method, path: routePath, handler, auth: routeAuth } of API_ROUTES) {
    let integration = integrations.get(handler);
    if (!integration) {
      integration = new HttpLambdaIntegration(`${pascal(handler)}Integration`, props.functions[handler]);
      integrations.set(handler, integration);
    }
    const routes = httpApi.addRoutes({
      path: routePath,
      methods: [apigwv2.HttpMethod[method]],
      integration,
      ...(routeAuth === 'api-key' && authorizer ? { authorizer } : {}),
    });
    if (routeAuth === 'twilio-signature') {
      twilioRouteKeys.push(`${method} ${routePath}`);
      for (const r of routes) stage.node.addDependency(r); // route settings need the route
    }
    if (routeAuth === 'api-key' && authorizer) continue;
    for (const r of routes) Validations.of(r).acknowledge({ id: 'AwsSolutions-APIG4', reason: UNAUTHORIZED_ROUTE_REASONS[routeAuth] });
  }

  const { rateLimit, burstLimit } = props.twilioThrottle;
  (stage.node.defaultChild as apigwv2.CfnStage).routeSettings = Object.fromEntries(
    twilioRouteKeys.map((key) => [key, { ThrottlingRateLimit: rateLimit, ThrottlingBurstLimit: burstLimit }]),
  );
}

/** Why cdk-nag's "route without an authorizer" does not apply, by the route's `auth`. */
const UNAUTHORIZED_ROUTE_REASONS: Record<ApiRoute['auth'], string> = {
  'api-key':
    'Protected by an API key the function reads from Secrets Manager and compares in constant time (context apiAuth=iam switches to IAM auth).',
  'twilio-signature':
    'Twilio webhook: Twilio cannot sign with IAM; every request is verified by its X-Twilio-Signature (HMAC with the auth token).',
  none: 'Unauthenticated: the liveness probe and the public API contract (GET /openapi.json); neither returns call data.',
};
