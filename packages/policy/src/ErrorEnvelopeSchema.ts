import { z } from 'zod';

/**
 * The upstream error envelope, `{ status: false, error: { code, message } }`. Codes the document
 * shows: 4002 no auth token, 3001 entity not found, 5050 feature not in the billing plan.
 *
 * @example
 * ```ts
 * ErrorEnvelopeSchema.parse({ status: false, error: { code: 3001, message: 'Entity not found' } });
 * ```
 */
export const ErrorEnvelopeSchema = z.looseObject({
  status: z.literal(false),
  error: z.looseObject({
    code: z.number().int(),
    message: z.string(),
  }),
});

/** The upstream error envelope. */
export type ErrorEnvelope = z.infer<typeof ErrorEnvelopeSchema>;
