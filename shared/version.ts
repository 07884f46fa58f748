/** The service version reported by health checks; set at build time, else the package's. */
export const VERSION = process.env.SERVICE_VERSION ?? '0.1.0';
