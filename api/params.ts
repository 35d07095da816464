import { z } from 'zod';

/** Route parameters shared by the resource routes. */
export const idParam = z.object({ id: z.coerce.number().int().positive() });
export const uuidParam = z.object({ id: z.string().uuid() });
