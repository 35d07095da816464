import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';

/** The object-storage compose variant: every app process on S3, MinIO's bucket made first, no secret in the file. */
describe('docker-compose.s3.yml', () => {
  const ROOT = path.resolve(__dirname, '..');
  const text = fs.readFileSync(path.join(ROOT, 'docker-compose.s3.yml'), 'utf8');
  const compose = yaml.load(text) as { services: Record<string, { environment?: Record<string, string>; depends_on?: Record<string, unknown>; extends?: { file: string; service: string } }> };
  const prod = yaml.load(fs.readFileSync(path.join(ROOT, 'docker-compose.prod.yml'), 'utf8')) as { services: Record<string, unknown> };

  it('puts every app service that touches uploads or releases on S3, after the bucket exists', () => {
    for (const name of ['api', 'worker-ingest', 'worker-pack', 'worker-pack-2', 'worker-distribute', 'scheduler']) {
      const service = compose.services[name];
      expect(service.environment).toMatchObject({ STORAGE: 's3', S3_ENDPOINT: 'http://minio:9000', S3_FORCE_PATH_STYLE: 'true' });
      expect(service.depends_on).toHaveProperty('minio-bucket');
      if (name !== 'worker-pack-2') expect(prod.services).toHaveProperty(name);
    }
    expect(compose.services['worker-pack-2'].extends).toEqual({ file: 'docker-compose.prod.yml', service: 'worker-pack' });
  });

  it('takes every key from the environment', () => {
    for (const service of Object.values(compose.services)) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (/PASSWORD|SECRET|ACCESS_KEY|ROOT_USER/.test(key)) expect(value).toMatch(/^\$\{[A-Z_]+:\?[^}]+\}$/);
      }
    }
  });
});
