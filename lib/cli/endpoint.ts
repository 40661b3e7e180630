/**
 * Where the admin CLI finds DynamoDB: `DYNAMODB_ENDPOINT` when set; AWS when anything names a deployment (a table
 * prefix or name, a region, a profile); otherwise the local server's DynamoDB Local, so that
 * `npm run admin -- ...` works beside `npm start` with nothing to configure.
 */
export function adminEndpoint(env: NodeJS.ProcessEnv): string | undefined {
  if (env.DYNAMODB_ENDPOINT) return env.DYNAMODB_ENDPOINT;
  const targetsAws = ["TABLE_PREFIX", "ENTITIES_TABLE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"].some(
    (name) => env[name],
  );
  return targetsAws ? undefined : `http://127.0.0.1:${env.DYNAMODB_PORT ?? 8000}`;
}
