import { loadConfig } from '../config';
import { ConfigError } from '../errors';

/** STORAGE and S3_*: local by default; S3 needs a bucket, keys come in pairs, and no key ever shows in an error. */
const base = { SECRET_KEY: 'k'.repeat(40), JWT_SECRET_KEY: 'j'.repeat(40), DATA_DIR: '/nonexistent-data-dir' };
const s3 = { ...base, STORAGE: 's3', S3_BUCKET: 'esp', S3_ENDPOINT: 'http://minio:9000', S3_FORCE_PATH_STYLE: 'true' };

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected loadConfig to fail');
}

describe('object storage settings', () => {
  it('keeps the local folders unless STORAGE=s3', () => {
    expect(loadConfig(base).objectStorage).toEqual({ kind: 'local' });
  });

  it('reads an S3 store with its keys from the environment', () => {
    expect(loadConfig({ ...s3, S3_ACCESS_KEY_ID: 'AKIA-test', S3_SECRET_ACCESS_KEY: 'very-secret-value' }).objectStorage).toEqual({
      kind: 's3',
      endpoint: 'http://minio:9000',
      bucket: 'esp',
      region: 'us-east-1',
      accessKeyId: 'AKIA-test',
      secretAccessKey: 'very-secret-value',
      forcePathStyle: true,
    });
    // Without keys the SDK's own chain (instance role, shared files) applies.
    expect(loadConfig({ ...s3, S3_ENDPOINT: '', S3_FORCE_PATH_STYLE: 'false' }).objectStorage).toMatchObject({ endpoint: undefined, forcePathStyle: false, accessKeyId: undefined });
  });

  it('refuses an S3 store without a bucket, half a key pair, a bad endpoint or an unknown kind, naming the variable but never the secret', () => {
    expect(problemsOf({ ...s3, S3_BUCKET: '' })).toEqual(['S3_BUCKET: required when STORAGE=s3']);
    const half = problemsOf({ ...s3, S3_SECRET_ACCESS_KEY: 'very-secret-value' });
    expect(half).toEqual(['S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY: give both or neither']);
    expect(half.join(' ')).not.toContain('very-secret-value');
    expect(problemsOf({ ...s3, S3_ENDPOINT: 'minio:9000' })).toEqual(['S3_ENDPOINT: S3_ENDPOINT must be an http(s) URL']);
    expect(problemsOf({ ...base, STORAGE: 'ftp' })[0]).toMatch(/^STORAGE: /);
    expect(problemsOf({ ...s3, S3_FORCE_PATH_STYLE: 'yes' })[0]).toMatch(/^S3_FORCE_PATH_STYLE: /);
  });
});
