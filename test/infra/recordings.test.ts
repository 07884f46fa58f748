import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../infra/app';
import type { FunctionName } from '../../functions/routes';
import type { CallerEngineStack } from '../../infra/stack';
import { actionsOf, referencedResources, resourcesOfType, roleOfFunction, statementsOfRole, type CfnTemplate } from '../support/cfn-template';

// The recordings bucket and the two functions that touch it, with a 7-day retention (bundling skipped).
let outdir: string;
let stack: CallerEngineStack;
let json: CfnTemplate;
const id = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);

beforeAll(() => {
  outdir = mkdtempSync(path.join(tmpdir(), 'caller-engine-recordings-'));
  ({ stack } = createApp({ outdir, context: { 'aws:cdk:bundling-stacks': [], recordingRetentionDays: '7' } }));
  json = Template.fromStack(stack).toJSON() as CfnTemplate;
}, 120_000);
afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

const bucketId = () => id(stack.recordings.bucket);
const keyId = () => id(stack.recordings.key);
const fnStatements = (name: FunctionName) => statementsOfRole(json, roleOfFunction(json, id(stack.api.functions[name])));

describe('recordings bucket', () => {
  it('is encrypted with the stack’s rotated KMS key, blocks public access and expires objects after the retention', () => {
    const bucket = json.Resources[bucketId()]!.Properties!;
    expect(bucket.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        { BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [keyId(), 'Arn'] } } },
      ],
    });
    expect(bucket.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket.LifecycleConfiguration).toEqual({
      Rules: [{ Id: 'expire-recordings', Status: 'Enabled', ExpirationInDays: 7, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }],
    });
    expect(json.Resources[keyId()]!.Properties!.EnableKeyRotation).toBe(true);
    expect(json.Resources[bucketId()]!.DeletionPolicy).toBe('Retain');
  });

  it('refuses requests without TLS', () => {
    const [, policy] = resourcesOfType(json, 'AWS::S3::BucketPolicy').find(([, p]) => JSON.stringify(p.Properties!.Bucket) === JSON.stringify({ Ref: bucketId() }))!;
    const statements = (policy.Properties!.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement;
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
  });
});

describe('least privilege on recordings', () => {
  it('the recording function may only put objects under recordings/ and use the key to encrypt them', () => {
    const statements = fnStatements('recording-status');
    const s3 = statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('s3:')));
    expect(actionsOf(s3)).toEqual(['s3:PutObject']);
    expect(JSON.stringify(s3[0]!.Resource)).toContain('/recordings/*');
    expect([...referencedResources(statements, 's3:')]).toEqual([bucketId()]);
    expect(actionsOf(statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('kms:')))).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect([...referencedResources(statements, 'kms:')]).toEqual([keyId()]);
  });

  it('the recording link function may only read objects under recordings/ and decrypt them', () => {
    const statements = fnStatements('get-recording');
    expect(actionsOf(statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('s3:'))))).toEqual(['s3:GetObject']);
    expect(actionsOf(statements.filter((s) => actionsOf([s]).some((a) => a.startsWith('kms:'))))).toEqual(['kms:Decrypt']);
    expect([...referencedResources(statements, 's3:')]).toEqual([bucketId()]);
  });

  it('no other role reaches the bucket or its key', () => {
    const allowed = new Set(['recording-status', 'get-recording'].map((name) => roleOfFunction(json, id(stack.api.functions[name as FunctionName]))));
    for (const [roleId] of resourcesOfType(json, 'AWS::IAM::Role')) {
      if (allowed.has(roleId)) continue;
      const reached = referencedResources(statementsOfRole(json, roleId));
      expect(reached.has(bucketId()) || reached.has(keyId()), roleId).toBe(false);
    }
  });

  it('tells both functions the bucket, and the recording function the retention and deletion settings', () => {
    const env = (name: FunctionName) =>
      (json.Resources[id(stack.api.functions[name])]!.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env('get-recording').RECORDING_BUCKET).toEqual({ Ref: bucketId() });
    expect(env('recording-status')).toMatchObject({ RECORDING_BUCKET: { Ref: bucketId() }, RECORDING_RETENTION_DAYS: '7', DELETE_TWILIO_RECORDINGS: 'true' });
  });
});
