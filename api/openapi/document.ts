import { OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { buildRegistry } from './registry';

type Document = ReturnType<OpenApiGeneratorV31['generateDocument']>;
let cached: Document | undefined;

/** The OpenAPI 3.1 document of the API, generated once per process from the routes' zod schemas. */
export function openApiDocument(): Document {
  cached ??= new OpenApiGeneratorV31(buildRegistry().definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'eBook Scene Packer API',
      version: '2.0.0',
      description:
        'Every route checks a permission `resource:ACTION` (see `x-permission` on each operation). Errors always answer `{"error":{"code","message","details"?,"requestId"}}`.',
    },
    servers: [{ url: '/' }],
  });
  return cached;
}
