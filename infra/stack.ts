import { CfnOutput, Duration, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { AppSecrets } from './constructs/app-secrets';
import { CallApi } from './constructs/call-api';
import { CallOrchestration } from './constructs/call-orchestration';
import { CallTable } from './constructs/call-table';
import { CompletionEvents } from './constructs/completion-events';
import { MediaService, METRICS_NAMESPACE } from './constructs/media-service';
import { Operations } from './constructs/operations';
import { pascal } from './names';
import { Recordings } from './constructs/recordings';
import { parseConfig } from '../shared/config';
import { deployedProviders, SECRET_NAMES, type CallerEngineSettings, type SecretName } from './settings';

export interface CallerEngineStackProps extends StackProps {
  /** Validated deploy-time settings (see infra/settings.ts). */
  readonly settings: CallerEngineSettings;
  /** Absolute path of the repository root. */
  readonly projectRoot: string;
}

/** POWERTOOLS_SERVICE_NAME (and metric `service` dimension) of the Lambda functions. */
export const FUNCTIONS_SERVICE_NAME = 'caller-engine';

/**
 * Caller Engine in one stack: call table, completion bus, secrets, media service,
 * call API and operations. Construction order follows the data flow; the two URLs
 * that point both ways (MEDIA_URL for the functions, BASE_URL for the media task) are
 * tokens of resources that do not depend on their consumers, so there is no cycle.
 */
export class CallerEngineStack extends Stack {
  public readonly callTable: CallTable;
  public readonly completionEvents: CompletionEvents;
  public readonly secrets: AppSecrets;
  public readonly media: MediaService;
  public readonly api: CallApi;
  public readonly operations: Operations;
  public readonly recordings: Recordings;
  public readonly orchestration: CallOrchestration;

  constructor(scope: Construct, id: string, props: CallerEngineStackProps) {
    super(scope, id, {
      description: 'Caller Engine: outbound Twilio calls bridged to realtime voice models',
      ...props,
    });
    const s = props.settings;
    const logRetention = s.logRetentionDays as logs.RetentionDays;
    Tags.of(this).add('app', 'caller-engine');
    Tags.of(this).add('stage', s.stage);

    this.callTable = new CallTable(this, 'CallTable', { encryption: s.tableEncryption });

    this.completionEvents = new CompletionEvents(this, 'CompletionEvents', {
      eventBusName: `caller-engine-${s.stage}`,
      archiveRetention: s.eventArchiveRetentionDays > 0 ? Duration.days(s.eventArchiveRetentionDays) : undefined,
      webhookUrl: s.completionWebhookUrl,
      webhookAuthHeader: s.completionWebhookAuthHeader,
    });

    const secretNames = SECRET_NAMES.filter((name) => name !== 'API_KEY' || s.apiAuth === 'api-key');
    this.secrets = new AppSecrets(this, 'Secrets', {
      names: secretNames,
      existingArns: s.secretArns as Partial<Record<SecretName, string>>,
    });

    const environment: Record<string, string> = {
      ...s.environment,
      STAGE: s.stage,
      TABLE_NAME: this.callTable.table.tableName,
      EVENT_BUS_NAME: this.completionEvents.eventBus.eventBusName,
      ALLOWED_DESTINATION_PREFIXES: s.allowedDestinationPrefixes.replace(/\s+/g, ''),
      REALTIME_PROVIDER: s.realtimeProvider,
      POWERTOOLS_LOG_LEVEL: s.logLevel,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      ...(s.realtimeModel ? { REALTIME_MODEL: s.realtimeModel } : {}),
      ...(s.twilioAccountSid ? { TWILIO_ACCOUNT_SID: s.twilioAccountSid } : {}),
      ...(s.twilioPhoneNumber ? { TWILIO_PHONE_NUMBER: s.twilioPhoneNumber } : {}),
    };

    this.orchestration = new CallOrchestration(this, 'Orchestration', {
      deliveryRetryBaseSeconds: parseConfig({ STAGE: 'local', DELIVERY_RETRY_BASE_SECONDS: s.environment.DELIVERY_RETRY_BASE_SECONDS })
        .DELIVERY_RETRY_BASE_SECONDS,
    });

    this.media = new MediaService(this, 'Media', {
      projectRoot: props.projectRoot,
      table: this.callTable,
      eventBus: this.completionEvents.eventBus,
      secrets: Object.fromEntries(
        secretNames.filter((name) => name !== 'API_KEY').map((name) => [name, this.secrets.secret(name)]),
      ),
      environment,
      tls:
        s.domainName && s.certificateArn
          ? { kind: 'alb', domainName: s.domainName, certificateArn: s.certificateArn }
          : { kind: 'cloudfront' },
      natGateways: s.natGateways,
      cpu: s.mediaCpu,
      memoryLimitMiB: s.mediaMemoryMiB,
      minTasks: s.mediaMinTasks,
      maxTasks: s.mediaMaxTasks,
      callsPerTask: s.callsPerTask,
      maxCallsPerTask: s.maxCallsPerTask,
      cpuTargetPercent: s.cpuTargetPercent,
      drainTimeoutSeconds: s.drainTimeoutSeconds,
      providers: deployedProviders(s),
      logRetention,
    });

    this.recordings = new Recordings(this, 'Recordings', { retentionDays: s.recordingRetentionDays });

    this.api = new CallApi(this, 'Api', {
      projectRoot: props.projectRoot,
      table: this.callTable,
      eventBus: this.completionEvents.eventBus,
      secrets: this.secrets,
      recordings: this.recordings,
      orchestration: this.orchestration,
      environment: {
        ...environment,
        RECORDING_RETENTION_DAYS: String(s.recordingRetentionDays),
        DELETE_TWILIO_RECORDINGS: s.deleteTwilioRecordings,
        POWERTOOLS_SERVICE_NAME: FUNCTIONS_SERVICE_NAME,
        MEDIA_URL: this.media.mediaUrl,
      },
      auth: s.apiAuth,
      baseUrl: s.baseUrl,
      throttle: { rateLimit: s.apiThrottleRateLimit, burstLimit: s.apiThrottleBurstLimit },
      logRetention,
    });
    this.media.addEnvironment('BASE_URL', this.api.baseUrl);
    // the media service completes calls too, so it queues their deliveries
    this.media.addEnvironment('DELIVERY_QUEUE_URL', this.orchestration.deliveryQueue.queueUrl);
    this.orchestration.deliveryQueue.grantSendMessages(this.media.taskDefinition.taskRole);

    this.operations = new Operations(this, 'Operations', {
      api: this.api,
      media: this.media,
      events: this.completionEvents,
      orchestration: this.orchestration,
      alarmEmail: s.alarmEmail,
    });

    // outputs
    new CfnOutput(this, 'ApiUrl', { value: this.api.baseUrl, description: 'Base URL of the call API (BASE_URL)' });
    new CfnOutput(this, 'MediaUrl', { value: this.media.mediaUrl, description: 'wss:// base of the media service (MEDIA_URL)' });
    new CfnOutput(this, 'EventBusName', { value: this.completionEvents.eventBus.eventBusName });
    new CfnOutput(this, 'EventBusArn', { value: this.completionEvents.eventBus.eventBusArn });
    new CfnOutput(this, 'TableName', { value: this.callTable.table.tableName });
    new CfnOutput(this, 'RecordingBucketName', { value: this.recordings.bucket.bucketName });
    if (this.secrets.has('API_KEY')) {
      new CfnOutput(this, 'ApiKeySecretArn', {
        value: this.secrets.secret('API_KEY').secretArn,
        description: 'aws secretsmanager get-secret-value --secret-id <this> to read the API key',
      });
    }
    for (const name of secretNames.filter((n) => n !== 'API_KEY')) {
      new CfnOutput(this, `${pascal(name)}SecretArn`, {
        value: this.secrets.secret(name).secretArn,
        description: `Put the real ${name} here: aws secretsmanager put-secret-value --secret-id <this> --secret-string …`,
      });
    }
    new CfnOutput(this, 'CompletionQueueUrl', { value: this.completionEvents.queue.queueUrl });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.operations.alarmTopic.topicArn });
    if (s.domainName) {
      new CfnOutput(this, 'MediaLoadBalancerDnsName', {
        value: this.media.loadBalancer.loadBalancerDnsName,
        description: `Point ${s.domainName} (CNAME or alias) at this name`,
      });
    }
  }
}
