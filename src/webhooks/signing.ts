/**
 * Signing secrets and signatures, as the Standard Webhooks spec has them
 * (standardwebhooks.com), so receivers verify with any of its libraries.
 *
 * A secret is `whsec_` and base64 of 32 random bytes, shown once when the
 * endpoint is made. The server must know it to sign, so it cannot keep only a
 * hash; it keeps it encrypted (AES-256-GCM) under a key derived from
 * AUTH_SECRET, which lives in the environment, not in the database: someone
 * who reads the database alone cannot forge a delivery.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

const PREFIX = 'whsec_';
const BOX_VERSION = 'v1';

/** A new signing secret, in the form receivers are given it. */
export const newSecret = (): string => PREFIX + randomBytes(32).toString('base64');

/**
 * The `webhook-signature` header's value for one attempt:
 * `v1,` and base64 of HMAC-SHA256 of `id.timestamp.body` keyed by the secret's bytes.
 */
export function signature(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.slice(PREFIX.length), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** Encrypts and decrypts secrets at rest with a key derived from the server's AUTH_SECRET. */
export class SecretBox {
  readonly #key: Buffer;

  constructor(serverSecret: string) {
    this.#key = Buffer.from(hkdfSync('sha256', serverSecret, '', 'todo-graphql webhook secrets', 32));
  }

  seal(secret: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return [Buffer.from(BOX_VERSION), iv, cipher.getAuthTag(), sealed].map((part) => part.toString('base64')).join('.');
  }

  /** The secret, or undefined when `sealed` was not sealed under this key (AUTH_SECRET changed). */
  open(sealed: string): string | undefined {
    const [version, iv, tag, data] = sealed.split('.').map((part) => Buffer.from(part, 'base64'));
    if (!version || version.toString() !== BOX_VERSION || !iv || !tag || !data) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, iv);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}
