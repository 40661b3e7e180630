import type { TestProject } from "vitest/node";
import { startDynamoDbLocal } from "../../lib/storage/dynamodbLocal.js";

/** One DynamoDB Local for the whole run; each test file makes its own tables in it (see testStore). */
export default async function setup(project: TestProject) {
  const local = process.env.DYNAMODB_ENDPOINT
    ? { endpoint: process.env.DYNAMODB_ENDPOINT, stop: async () => {} }
    : await startDynamoDbLocal();
  project.provide("dynamodbEndpoint", local.endpoint);
  return () => local.stop();
}

declare module "vitest" {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
  }
}
