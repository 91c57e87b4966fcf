// The node's attachment-store and TLS flags (docs/node.md), parsed apart from the rest of `xmtp-inbox node`.
import { existsSync } from 'node:fs';
import type { NodeOptions } from '@/network/node';
import { DEFAULT_ATTACHMENT_LIMITS } from '@/network/attachments/routes';
import { DEFAULT_RETENTION_DAYS } from '@/network/attachments/store';

export const ATTACHMENT_USAGE = `attachments (on by default, in DIR/attachments; docs/node-api.md §6):
  --no-attachments       no attachment store
  --attachments-dir DIR  keep payloads here instead
  --s3-endpoint URL      keep them in an S3-compatible bucket instead (with --s3-bucket; credentials
                         from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)
  --s3-bucket NAME       the bucket
  --s3-region REGION     its region (default us-east-1)
  --s3-public-url URL    the bucket's public address: messages link there instead of to the node
  --max-attachment-bytes N  largest payload (default ${DEFAULT_ATTACHMENT_LIMITS.maxBytes})
  --attachment-bytes-per-hour N  upload budget per identity (default ${DEFAULT_ATTACHMENT_LIMITS.bytesPerHour})
  --attachment-retention-days N  delete payloads older than N days, 0 = never (default ${DEFAULT_RETENTION_DAYS})
  --public-url URL       this node's address as clients reach it (behind a proxy)

tls:
  --tls-cert FILE        serve https with this PEM certificate (chain)
  --tls-key FILE         and this PEM private key
`;

export const ATTACHMENT_FLAGS = {
  'no-attachments': { type: 'boolean' },
  'attachments-dir': { type: 'string' },
  's3-endpoint': { type: 'string' },
  's3-bucket': { type: 'string' },
  's3-region': { type: 'string' },
  's3-public-url': { type: 'string' },
  'max-attachment-bytes': { type: 'string' },
  'attachment-bytes-per-hour': { type: 'string' },
  'attachment-retention-days': { type: 'string' },
  'public-url': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
} as const;

type Values = {
  [K in keyof typeof ATTACHMENT_FLAGS]?: (typeof ATTACHMENT_FLAGS)[K]['type'] extends 'boolean'
    ? boolean
    : string;
};

export class FlagError extends Error {}

function wholeNumber(values: Values, flag: keyof Values, min: number): number | undefined {
  const value = values[flag];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^\d+$/.test(value) || Number(value) < min) {
    throw new FlagError(`--${flag}: expected a whole number of at least ${min}, got "${String(value)}"`);
  }
  return Number(value);
}

function httpUrl(values: Values, flag: keyof Values): string | undefined {
  const value = values[flag];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^https?:\/\/[^\s/]+/.test(value)) {
    throw new FlagError(`--${flag}: expected an http(s):// URL, got "${String(value)}"`);
  }
  return value.replace(/\/+$/, '');
}

/** Applies the flags to `options`; throws FlagError naming the bad flag. */
export function applyAttachmentArgs(values: Values, options: NodeOptions, env = process.env): void {
  const cert = values['tls-cert'];
  const key = values['tls-key'];
  if ((cert === undefined) !== (key === undefined))
    throw new FlagError('--tls-cert and --tls-key go together');
  if (cert !== undefined && key !== undefined) {
    for (const [flag, file] of [
      ['tls-cert', cert],
      ['tls-key', key],
    ] as const) {
      if (!existsSync(file)) throw new FlagError(`--${flag}: no such file "${file}"`);
    }
    options.tls = { cert, key };
  }
  const endpoint = httpUrl(values, 's3-endpoint');
  if (values['no-attachments']) {
    const stray = (Object.keys(ATTACHMENT_FLAGS) as (keyof Values)[]).find(
      (flag) =>
        !['no-attachments', 'tls-cert', 'tls-key', 'public-url'].includes(flag) && values[flag] !== undefined,
    );
    if (stray) throw new FlagError(`--${stray} cannot be used with --no-attachments`);
    options.attachments = false;
    return;
  }
  const bucket = values['s3-bucket'];
  if ((endpoint === undefined) !== (bucket === undefined)) {
    throw new FlagError('--s3-endpoint and --s3-bucket go together');
  }
  if (endpoint !== undefined && values['attachments-dir'] !== undefined) {
    throw new FlagError('--attachments-dir and --s3-endpoint cannot be used together');
  }
  const attachments: NonNullable<Exclude<NodeOptions['attachments'], false>> = {};
  if (endpoint !== undefined && bucket !== undefined) {
    const accessKeyId = env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
    if (!accessKeyId || !secretAccessKey) {
      throw new FlagError('--s3-endpoint: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for the bucket');
    }
    const publicUrl = httpUrl(values, 's3-public-url');
    attachments.s3 = {
      endpoint,
      bucket,
      accessKeyId,
      secretAccessKey,
      ...(values['s3-region'] ? { region: values['s3-region'] } : {}),
      ...(publicUrl ? { publicUrl } : {}),
    };
  } else if (values['s3-region'] !== undefined || values['s3-public-url'] !== undefined) {
    throw new FlagError('--s3-region and --s3-public-url need --s3-endpoint');
  }
  if (values['attachments-dir'] === '') throw new FlagError('--attachments-dir: empty path');
  if (values['attachments-dir'] !== undefined) attachments.dir = values['attachments-dir'];
  const maxBytes = wholeNumber(values, 'max-attachment-bytes', 1024);
  const bytesPerHour = wholeNumber(values, 'attachment-bytes-per-hour', 1024);
  const retentionDays = wholeNumber(values, 'attachment-retention-days', 0);
  const publicUrl = httpUrl(values, 'public-url');
  if (maxBytes !== undefined) attachments.maxBytes = maxBytes;
  if (bytesPerHour !== undefined) attachments.bytesPerHour = bytesPerHour;
  if (retentionDays !== undefined) attachments.retentionDays = retentionDays;
  if (publicUrl !== undefined) attachments.publicUrl = publicUrl;
  // Left undefined when nothing was set: the node decides (on with a data directory, off on PostgreSQL).
  if (Object.keys(attachments).length > 0) options.attachments = attachments;
}
