import { DecryptCommand, EncryptCommand, KMSClient } from "@aws-sdk/client-kms";
import { aesSecretBox, kmsSecretBox, localSecretsKey, type SecretBox } from "./secretBox.js";

/**
 * The secret box of this process (secretBox.ts): KMS when `WEBHOOK_KMS_KEY_ID` names the stack's key (the
 * delivery worker; the admin CLI against a deployment, with the stack output), the local AES key otherwise.
 */
export function secretBoxFromEnv(env: NodeJS.ProcessEnv = process.env): SecretBox {
  const keyId = env.WEBHOOK_KMS_KEY_ID;
  if (!keyId) return aesSecretBox(localSecretsKey(env));
  const client = new KMSClient({});
  return kmsSecretBox({
    async encrypt(plain, context) {
      const out = await client.send(new EncryptCommand({ KeyId: keyId, Plaintext: plain, EncryptionContext: context }));
      if (!out.CiphertextBlob) throw new Error("KMS Encrypt returned no ciphertext");
      return out.CiphertextBlob;
    },
    async decrypt(sealed, context) {
      const out = await client.send(
        new DecryptCommand({ KeyId: keyId, CiphertextBlob: sealed, EncryptionContext: context }),
      );
      if (!out.Plaintext) throw new Error("KMS Decrypt returned no plaintext");
      return out.Plaintext;
    },
  });
}

/** Whether this process talks to a deployment (its webhooks are delivered from the stack: https only). */
export const deployedWebhooks = (env: NodeJS.ProcessEnv = process.env): boolean => !!env.WEBHOOK_KMS_KEY_ID;
