import { randomUUID } from 'node:crypto';
import type { Response } from 'express';
import type { z } from 'zod';
import { errorSchema } from './schemas';

/** HubSpot's error body: `status`, `message`, `correlationId`, `category`, optional `errors` details. */
export function hubspotError(res: Response, status: number, category: string, message: string, errors?: Array<{ message: string; code?: string; in?: string }>): void {
  res.status(status).json(errorSchema.parse({ status: 'error', message, correlationId: randomUUID(), category, ...(errors ? { errors } : {}) }));
}

export function validationError(res: Response, error: z.ZodError): void {
  const errors = error.issues.map((i) => ({ message: i.message, in: i.path.join('.'), code: 'INVALID_INPUT' }));
  hubspotError(res, 400, 'VALIDATION_ERROR', `Invalid input JSON on line 1: ${errors.map((e) => `${e.in}: ${e.message}`).join('; ')}`, errors);
}
