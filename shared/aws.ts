/**
 * Client options for an AWS service: the real regional endpoint, or the embedded
 * stack's engine when `endpoint` is set (which accepts any credentials).
 */
export function awsClientOptions(region: string, endpoint: string | undefined) {
  if (!endpoint) return { region };
  return {
    region,
    endpoint,
    credentials: {
      accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'local',
      secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
    },
  };
}
