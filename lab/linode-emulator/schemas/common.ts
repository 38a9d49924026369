// Response schemas written from Linode's OpenAPI spec, version 4.189.0
// (linode/linode-api-docs, openapi.yaml as of 2024-10-16), for the subset nsdeploy uses.
// Objects are strict: a field the spec does not list is an error, so drift shows up in tests.
// Where the live API (as recorded in linodego's fixtures) disagrees with the spec, the
// schema follows the live API and says so.
import { z } from 'zod';

/** Linode's timestamps: UTC, no zone suffix, no fractions. */
export const Timestamp = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/, 'Linode timestamp (YYYY-MM-DDTHH:MM:SS)');

export const ErrorEnvelopeSchema = z.strictObject({
  errors: z
    .array(
      z.strictObject({
        field: z.string().optional(),
        reason: z.string().min(1),
      }),
    )
    .min(1),
});

/** Every collection: `{data, page, pages, results}`. */
export function paginatedSchema<T extends z.ZodType>(item: T) {
  return z.strictObject({
    data: z.array(item),
    page: z.number().int().min(1),
    pages: z.number().int().min(1),
    results: z.number().int().min(0),
  });
}

/** Actions (boot, reboot, shutdown) and DELETE answer with an empty object. */
export const EmptyObjectSchema = z.strictObject({});
